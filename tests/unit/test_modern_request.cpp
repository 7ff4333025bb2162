// protocol/modern_request.hpp (2026-07-28 request checks) and the requestState seal.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>

#include "protocol/modern_request.hpp"
#include "supervisor/request_state_seal.hpp"

namespace mcp {
namespace {

constexpr const char* meta_ok =
    R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
    R"("io.modelcontextprotocol/clientCapabilities":{}})";

std::string request(const std::string& method, const std::string& extra_params = "",
                    const char* meta = meta_ok) {
  return R"({"jsonrpc":"2.0","id":7,"method":")" + method + R"(","params":{)" + extra_params +
         (extra_params.empty() ? "" : ",") + meta + "}}";
}

struct CheckCase {
  const char* name;
  std::string body;
  modern::RequestHeaders headers;
  int code;  // 0: accepted
};

modern::RequestHeaders headers(std::optional<std::string> version,
                               std::optional<std::string> method,
                               std::optional<std::string> name = std::nullopt) {
  return {std::move(version), std::move(method), std::move(name)};
}

class ModernCheck : public testing::TestWithParam<CheckCase> {};

TEST_P(ModernCheck, AcceptsOrRejectsWithTheSpecifiedCode) {
  const auto& c = GetParam();
  json::Document doc;
  ASSERT_FALSE(json::parse(c.body, doc)) << c.body;
  const auto rejected = modern::check_request(doc, c.headers);
  if (c.code == 0) {
    EXPECT_FALSE(rejected.has_value()) << rejected->message;
    return;
  }
  ASSERT_TRUE(rejected.has_value());
  EXPECT_EQ(rejected->code, c.code) << rejected->message;
  EXPECT_EQ(rejected->http_status, 400);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ModernCheck,
    testing::Values(
        CheckCase{"Discover", request("server/discover"), headers("2026-07-28", "server/discover"),
                  0},
        CheckCase{"ToolCall", request("tools/call", R"("name":"a__b")"),
                  headers("2026-07-28", "tools/call", "a__b"), 0},
        CheckCase{"ResourceReadByUri", request("resources/read", R"("uri":"file:///x")"),
                  headers("2026-07-28", "resources/read", "file:///x"), 0},
        CheckCase{"Base64Name", request("prompts/get", R"("name":"héllo")"),
                  headers("2026-07-28", "prompts/get", "=?base64?aMOpbGxv?="), 0},
        CheckCase{"NoVersionHeader", request("tools/list"), headers(std::nullopt, "tools/list"),
                  modern::code::header_mismatch},
        CheckCase{"NoMeta", R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}})",
                  headers("2026-07-28", "tools/list"), -32602},
        CheckCase{"MetaWithoutCapabilities",
                  request("tools/list", "",
                          R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"})"),
                  headers("2026-07-28", "tools/list"), -32602},
        CheckCase{"HeaderBodyVersionMismatch", request("tools/list"),
                  headers("2025-11-25", "tools/list"), modern::code::header_mismatch},
        CheckCase{"UnknownVersion",
                  request("tools/list", "",
                          R"("_meta":{"io.modelcontextprotocol/protocolVersion":"v9",)"
                          R"("io.modelcontextprotocol/clientCapabilities":{}})"),
                  headers("v9", "tools/list"), modern::code::unsupported_protocol_version},
        CheckCase{"NoMethodHeader", request("tools/list"), headers("2026-07-28", std::nullopt),
                  modern::code::header_mismatch},
        CheckCase{"MethodHeaderMismatch", request("tools/list"),
                  headers("2026-07-28", "prompts/list"), modern::code::header_mismatch},
        CheckCase{"NoNameHeader", request("tools/call", R"("name":"a")"),
                  headers("2026-07-28", "tools/call"), modern::code::header_mismatch},
        CheckCase{"NameHeaderMismatch", request("tools/call", R"("name":"a")"),
                  headers("2026-07-28", "tools/call", "b"), modern::code::header_mismatch},
        CheckCase{"MalformedBase64Name", request("tools/call", R"("name":"a")"),
                  headers("2026-07-28", "tools/call", "=?base64?!!?="),
                  modern::code::header_mismatch}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(ModernRequest, EraComesFromHeaderOrMeta) {
  json::Document legacy, modern_doc;
  ASSERT_FALSE(
      json::parse(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})", legacy));
  ASSERT_FALSE(json::parse(request("tools/list"), modern_doc));
  EXPECT_FALSE(modern::is_modern_request(legacy, std::nullopt));
  EXPECT_FALSE(modern::is_modern_request(legacy, std::string("2025-06-18")));
  EXPECT_TRUE(modern::is_modern_request(legacy, std::string("2026-07-28")));
  EXPECT_TRUE(modern::is_modern_request(modern_doc, std::nullopt));
}

TEST(ModernRequest, UnsupportedVersionDataListsVersionsAndEchoesTheRequest) {
  json::Document data;
  ASSERT_FALSE(json::parse(modern::unsupported_version_data("1900-01-01"), data));
  ASSERT_TRUE(data["supported"].IsArray());
  EXPECT_STREQ(data["supported"][0].GetString(), "2026-07-28");
  EXPECT_STREQ(data["requested"].GetString(), "1900-01-01");
}

struct HeaderValueCase {
  const char* name;
  std::string value;
  std::optional<std::string> decoded;
};

class HeaderValue : public testing::TestWithParam<HeaderValueCase> {};

TEST_P(HeaderValue, Decodes) {
  EXPECT_EQ(modern::decode_header_value(GetParam().value), GetParam().decoded);
}

INSTANTIATE_TEST_SUITE_P(
    Table, HeaderValue,
    testing::Values(HeaderValueCase{"Plain", "us-west1", "us-west1"},
                    HeaderValueCase{"NonAscii", "=?base64?SGVsbG8sIOS4lueVjA==?=", "Hello, 世界"},
                    HeaderValueCase{"Padded", "=?base64?IHBhZGRlZCA=?=", " padded "},
                    HeaderValueCase{"Newline", "=?base64?bGluZTEKbGluZTI=?=", "line1\nline2"},
                    HeaderValueCase{"BadBase64", "=?base64?***?=", std::nullopt},
                    HeaderValueCase{"ControlCharacter", std::string("a\x01", 2), std::nullopt}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(RequestStateSeal, OpensWhatItSealed) {
  supervisor::RequestStateSeal seal;
  const std::string state = seal.seal(R"({"g":1})");
  EXPECT_TRUE(supervisor::RequestStateSeal::is_ours(state));
  EXPECT_EQ(seal.open(state), std::optional<std::string>(R"({"g":1})"));
}

TEST(RequestStateSeal, RejectsEveryOneByteChange) {
  supervisor::RequestStateSeal seal;
  const std::string state = seal.seal(R"({"g":42,"r":1,"m":"tools/call","n":"x","e":1})");
  for (std::size_t i = 6; i < state.size(); ++i) {
    std::string tampered = state;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(seal.open(tampered).has_value()) << "position " << i;
  }
}

TEST(RequestStateSeal, AnotherKeyCannotOpenIt) {
  supervisor::RequestStateSeal a, b;
  EXPECT_FALSE(b.open(a.seal("{}")).has_value());
  EXPECT_FALSE(a.open("not ours").has_value());
  EXPECT_FALSE(a.open("mcpx1.nodot").has_value());
}

}  // namespace
}  // namespace mcp

namespace mcp {
namespace {

constexpr const char* schema_with_headers = R"({"type":"object","properties":{
  "region":{"type":"string","x-mcp-header":"Region"},
  "count":{"type":"integer","x-mcp-header":"Count"},
  "opts":{"type":"object","properties":{"dry":{"type":"boolean","x-mcp-header":"Dry"}}},
  "list":{"type":"array","items":{"type":"object","properties":{"x":{"x-mcp-header":"X"}}}},
  "query":{"type":"string"}}})";

struct ParamCase {
  const char* name;
  const char* arguments;
  std::vector<std::pair<std::string, std::string>> headers;
  bool accepted;
};

class ParamHeaderCheck : public testing::TestWithParam<ParamCase> {};

TEST_P(ParamHeaderCheck, MatchArgumentsAfterDecoding) {
  json::Document schema, args;
  ASSERT_FALSE(json::parse(schema_with_headers, schema));
  ASSERT_FALSE(json::parse(GetParam().arguments, args));
  const auto params = modern::param_headers_of(schema);
  // Only chains of "properties" count: the annotation under "items" is not a header.
  ASSERT_EQ(params.size(), 3u);
  const auto rejected = modern::check_param_headers(params, &args, GetParam().headers);
  EXPECT_EQ(!rejected.has_value(), GetParam().accepted)
      << (rejected ? rejected->message : "accepted");
  if (rejected) {
    EXPECT_EQ(rejected->code, modern::code::header_mismatch);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParamHeaderCheck,
    testing::Values(
        ParamCase{"AllMatch",
                  R"({"region":"us-west1","count":42,"opts":{"dry":true}})",
                  {{"region", "us-west1"}, {"count", "42"}, {"dry", "true"}},
                  true},
        ParamCase{"NumberComparedAsNumber", R"({"count":42})", {{"count", "42.0"}}, true},
        ParamCase{"AbsentArgumentNeedsNoHeader", R"({"query":"q"})", {}, true},
        ParamCase{"NullArgumentNeedsNoHeader", R"({"region":null})", {}, true},
        ParamCase{"Base64Value",
                  R"({"region":"Hello, 世界"})",
                  {{"region", "=?base64?SGVsbG8sIOS4lueVjA==?="}},
                  true},
        ParamCase{"MissingHeader", R"({"region":"us-west1"})", {}, false},
        ParamCase{"DifferentValue", R"({"region":"us-west1"})", {{"region", "eu-north1"}}, false},
        ParamCase{"BadPadding", R"({"region":"Hello"})", {{"region", "=?base64?SGVsbG8?="}}, false},
        ParamCase{"BadBase64Characters",
                  R"({"region":"Hello"})",
                  {{"region", "=?base64?SGVs!!!bG8=?="}},
                  false},
        ParamCase{"NonAsciiHeaderValue", R"({"region":"é"})", {{"region", "\xc3\xa9"}}, false},
        ParamCase{"NestedBoolean", R"({"opts":{"dry":false}})", {{"dry", "true"}}, false}),
    [](const auto& row) { return std::string(row.param.name); });

// The walk both sides of the gateway use to find x-mcp-header annotations.
std::vector<std::string> walked(const char* schema_text, std::size_t stop_after = 1000) {
  json::Document schema;
  EXPECT_FALSE(json::parse(schema_text, schema)) << schema_text;
  std::vector<std::string> out;
  modern::for_each_schema_property(schema, [&](const auto& path, const json::Value&) {
    std::string joined;
    for (const auto& p : path) joined += (joined.empty() ? "" : ".") + p;
    out.push_back(joined);
    return out.size() < stop_after;
  });
  return out;
}

TEST(SchemaProperties, DepthFirstThroughPropertiesOnly) {
  EXPECT_EQ(walked(schema_with_headers),
            (std::vector<std::string>{"region", "count", "opts", "opts.dry", "list", "query"}))
      << "items.properties is not a properties chain; list itself is a property";
  EXPECT_EQ(walked(R"({"properties":{"a":true,"b":{"properties":{"c":5}}}})"),
            (std::vector<std::string>{"b"}))
      << "properties whose value is not an object are skipped";
  EXPECT_EQ(walked(R"([1,2])"), std::vector<std::string>{});
  EXPECT_EQ(walked(R"({"type":"object"})"), std::vector<std::string>{});
}

TEST(SchemaProperties, StopsWhenAsked) {
  EXPECT_EQ(walked(schema_with_headers, 3), (std::vector<std::string>{"region", "count", "opts"}));
}

TEST(SchemaProperties, SixteenLevelsDeepAndNoDeeper) {
  std::string schema = "{}";
  for (int i = 20; i >= 1; --i) {
    schema = R"({"properties":{"p)" + std::to_string(i) + R"(":)" + schema + "}}";
  }
  const auto paths = walked(schema.c_str());
  ASSERT_EQ(paths.size(), 16u);
  EXPECT_EQ(std::count(paths.back().begin(), paths.back().end(), '.'), 15);
}

}  // namespace
}  // namespace mcp
