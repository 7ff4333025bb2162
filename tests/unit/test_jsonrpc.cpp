// protocol/json.hpp and protocol/jsonrpc.hpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "protocol/json.hpp"
#include "protocol/jsonrpc.hpp"

namespace mcp {
namespace {

using jsonrpc::Kind;

// ---------------------------------------------------------------------------------------------
// json::parse and json::line_column

struct ParseErrorCase {
  const char* name;
  std::string_view text;
  std::size_t offset;
  const char* message_part;
};

class JsonParseError : public testing::TestWithParam<ParseErrorCase> {};

const std::string too_deep = std::string(json::max_nesting_depth + 1, '[');

TEST_P(JsonParseError, ReportsOffsetAndMessage) {
  const auto& c = GetParam();
  json::Document doc;
  const auto err = json::parse(c.text, doc);
  ASSERT_TRUE(err.has_value()) << c.text;
  EXPECT_EQ(err->offset, c.offset);
  EXPECT_NE(err->message.find(c.message_part), std::string::npos) << err->message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, JsonParseError,
    testing::Values(ParseErrorCase{"Empty", "", 0, "empty"},
                    ParseErrorCase{"OnlySpaces", "   ", 3, "empty"},
                    ParseErrorCase{"TrailingGarbage", "{} x", 3, "root"},
                    ParseErrorCase{"TwoValues", "1 2", 2, "root"},
                    ParseErrorCase{"MissingColon", "{\"a\" 1}", 5, "colon"},
                    ParseErrorCase{"UnquotedKey", "{a:1}", 1, "name"},
                    ParseErrorCase{"TrailingComma", "[1,]", 3, "Invalid value"},
                    ParseErrorCase{"UnterminatedString", "\"abc", 4, "quotation"},
                    // RapidJSON points just past the part of the literal that matched.
                    ParseErrorCase{"BadLiteral", "tru", 3, "Invalid value"},
                    ParseErrorCase{"BadLiteralMidway", "[nulx]", 4, "Invalid value"},
                    ParseErrorCase{"SecondLine", "{\n  \"a\": }", 9, "Invalid value"}),
    [](const auto& pi) { return std::string(pi.param.name); });

// What RapidJSON accepted and json::parse refuses; found by tests/fuzz (fuzz-jsonrpc), the inputs
// are also in tests/fuzz/corpus/jsonrpc/.
INSTANTIATE_TEST_SUITE_P(
    Refused, JsonParseError,
    testing::Values(
        // RapidJSON stopped at the NUL and accepted "{}".
        ParseErrorCase{"NulAfterValue", std::string_view("{}\0{}", 5), 2, "NUL"},
        ParseErrorCase{"NulInsideString", std::string_view("\"a\0\"", 4), 2, "closing quotation"},
        // One bracket past the limit: refused where it opens (offset after it).
        ParseErrorCase{"NestedTooDeep", too_deep, json::max_nesting_depth + 1, "too deep"},
        // RapidJSON read these as infinity, which its Writer cannot write.
        ParseErrorCase{"NumberOverflowsDouble", "[5E+308]", 1, "too big"},
        ParseErrorCase{"NegativeNumberOverflowsDouble", "{\"a\":-2e308}", 5, "too big"}),
    [](const auto& pi) { return std::string(pi.param.name); });

TEST(JsonParse, ValidTextHasNoError) {
  json::Document doc;
  EXPECT_FALSE(json::parse(R"( {"a": [1, 2.5, "x", null, true]} )", doc).has_value());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(doc["a"].Size(), 5u);
}

TEST(JsonParse, DocumentCanBeReused) {
  json::Document doc;
  ASSERT_TRUE(json::parse("{", doc).has_value());
  EXPECT_FALSE(json::parse("[]", doc).has_value());
  EXPECT_TRUE(doc.IsArray());
}

TEST(JsonParse, NestingUpToTheLimitParsesCopiesAndWrites) {
  const std::size_t n = json::max_nesting_depth;
  const std::string text = std::string(n, '[') + std::string(n, ']');
  json::Document doc;
  ASSERT_FALSE(json::parse(text, doc).has_value());
  json::Document copy;
  copy.CopyFrom(doc, copy.GetAllocator());
  EXPECT_EQ(json::to_string(copy), text);
}

TEST(JsonParse, MegabytesOfOpenBracketsAreRefusedNotAStackOverflow) {
  // Before the limit, RapidJSON recursed once per bracket and overflowed the parsing thread's
  // stack: an HTTP body like this crashed the gateway.
  const std::string text(4u << 20, '[');
  json::Document doc;
  const auto err = json::parse(text, doc);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->offset, json::max_nesting_depth + 1);
}

TEST(JsonParse, LargestFiniteNumbersStillParse) {
  json::Document doc;
  ASSERT_FALSE(json::parse("[1.7976931348623157e308,-1e308,1e-400]", doc).has_value());
  EXPECT_EQ(json::to_string(doc), "[1.7976931348623157e308,-1e308,0.0]");
}

// Numbers cross the gateway unchanged in value: read exactly (correctly rounded, as strtod), and
// written so that they read back the same. RapidJSON's own reading was up to 3 ulp off.
TEST(JsonParse, DoublesAreReadExactlyAndSurviveARewrite) {
  const char* texts[] = {"0.30000000000000004",
                         "0.1",
                         "1e-7",
                         "5e-324",
                         "2.2250738585072011e-308",
                         "1.7976931348623157e308",
                         "123456789012345678901234567890",
                         "-0.0",

                         "1E2",
                         "3.141592653589793238462643383279",
                         "-1e-400",
                         "9007199254740993.0",
                         "4.35052e-320"};
  for (const char* text : texts) {
    json::Document doc;
    ASSERT_FALSE(json::parse(text, doc).has_value()) << text;
    ASSERT_TRUE(doc.IsDouble()) << text;
    const double exact = std::strtod(text, nullptr);
    const double read = doc.GetDouble();
    EXPECT_EQ(std::memcmp(&exact, &read, sizeof exact), 0)
        << text << " read as " << doc.GetDouble() << ", exactly " << exact;
    json::Document again;
    ASSERT_FALSE(json::parse(json::to_string(doc), again).has_value()) << json::to_string(doc);
    const double back = again.GetDouble();
    EXPECT_EQ(std::memcmp(&exact, &back, sizeof exact), 0)
        << text << " written as " << json::to_string(doc) << " reads back as " << back;
  }
}

TEST(JsonParse, IntegersKeepTheTypesRapidJsonGivesThem) {
  json::Document doc;
  ASSERT_FALSE(json::parse("[0,-1,2147483647,-2147483648,-2147483649,4294967295,4294967296,"
                           "9223372036854775807,-9223372036854775808,18446744073709551615,"
                           "18446744073709551616,-9223372036854775809,-0]",
                           doc)
                   .has_value());
  const auto& a = doc.GetArray();
  EXPECT_TRUE(a[0].IsInt() && a[0].GetInt() == 0);
  EXPECT_TRUE(a[1].IsInt() && a[1].GetInt() == -1);
  EXPECT_TRUE(a[2].IsInt() && a[2].IsUint());
  EXPECT_TRUE(a[3].IsInt() && a[3].GetInt() == -2147483647 - 1);
  EXPECT_TRUE(!a[4].IsInt() && a[4].IsInt64() && a[4].GetInt64() == -2147483649LL);
  EXPECT_TRUE(a[5].IsUint() && a[5].GetUint() == 4294967295u);
  EXPECT_TRUE(!a[6].IsUint() && a[6].IsUint64() && a[6].GetUint64() == 4294967296ull);
  EXPECT_TRUE(a[7].IsInt64() && a[7].GetInt64() == INT64_MAX);
  EXPECT_TRUE(a[8].IsInt64() && a[8].GetInt64() == INT64_MIN);
  EXPECT_TRUE(a[9].IsUint64() && a[9].GetUint64() == UINT64_MAX);
  EXPECT_TRUE(a[10].IsDouble()) << "beyond 64 bits: a double";
  EXPECT_TRUE(a[11].IsDouble());
  EXPECT_TRUE(a[12].IsInt() && a[12].GetInt() == 0);
  EXPECT_EQ(json::to_string(doc),
            "[0,-1,2147483647,-2147483648,-2147483649,4294967295,4294967296,"
            "9223372036854775807,-9223372036854775808,18446744073709551615,"
            "18446744073709553000.0,-9223372036854776000.0,0]");
}

// A long-lived document replaced many times (a server's tool list, on every restart and list
// change) must not keep the earlier copies: CopyFrom into its own allocator does.
TEST(JsonReplace, ReplacingManyTimesKeepsOneCopysMemory) {
  json::Document list;
  ASSERT_FALSE(
      json::parse("[" + std::string(20000, ' ') + "\"" + std::string(10000, 'x') + "\"]", list)
          .has_value());
  json::StoredValue held;
  for (int i = 0; i < 1000; ++i) held.replace_with_copy(&list);
  EXPECT_EQ(*held, list);
  EXPECT_LE(held.pool_capacity(), 2u * 10016) << "one copy, not a thousand";

  json::Document grown;
  for (int i = 0; i < 100; ++i) grown.CopyFrom(list, grown.GetAllocator());
  EXPECT_GE(grown.GetAllocator().Capacity(), 100u * 10000) << "why StoredValue exists";

  held.replace_with_copy(nullptr);
  EXPECT_TRUE(held->IsArray() && held->Empty());
  EXPECT_EQ(held.pool_capacity(), 0u);
}

// A short list takes a pool chunk of 4 KiB, not RapidJSON's default 64 KiB: a server's lists
// and capabilities are five such values, held for as long as the server runs.
TEST(JsonReplace, AShortValueTakesASmallPool) {
  json::Document caps;
  ASSERT_FALSE(json::parse(R"({"tools":{"listChanged":true},"logging":{}})", caps).has_value());
  json::StoredValue held(rapidjson::kObjectType);
  EXPECT_TRUE(held->IsObject()) << "empty, of the type asked for";
  held.replace_with_copy(&caps);
  EXPECT_EQ(*held, caps);
  EXPECT_EQ(held.pool_capacity(), json::StoredValue::chunk_bytes);

  json::Document big;
  big.CopyFrom(caps, big.GetAllocator());
  EXPECT_GE(big.GetAllocator().Capacity(), 64u * 1024) << "RapidJSON's default chunk";
}

TEST(JsonParse, TextIsNotReadPastItsLength) {
  // A view into a longer buffer: only the first two bytes count.
  const std::string buffer = "{}garbage";
  json::Document doc;
  EXPECT_FALSE(json::parse(std::string_view(buffer).substr(0, 2), doc).has_value());
}

struct LineColumnCase {
  std::string_view text;
  std::size_t offset;
  std::size_t line;
  std::size_t column;
};

class LineColumn : public testing::TestWithParam<LineColumnCase> {};

TEST_P(LineColumn, Converts) {
  const auto& c = GetParam();
  const auto lc = json::line_column(c.text, c.offset);
  EXPECT_EQ(lc.line, c.line) << "offset " << c.offset;
  EXPECT_EQ(lc.column, c.column) << "offset " << c.offset;
}

INSTANTIATE_TEST_SUITE_P(Table, LineColumn,
                         testing::Values(LineColumnCase{"", 0, 1, 1},
                                         LineColumnCase{"abc", 0, 1, 1},
                                         LineColumnCase{"abc", 2, 1, 3},
                                         LineColumnCase{"ab\ncd", 2, 1, 3},  // the newline
                                         LineColumnCase{"ab\ncd", 3, 2, 1},
                                         LineColumnCase{"ab\ncd", 4, 2, 2},
                                         LineColumnCase{"\n\n\nx", 3, 4, 1},
                                         LineColumnCase{"ab", 100, 1, 3}));  // clamped

TEST(LineColumnWithParse, PointsAtTheOffendingToken) {
  const std::string text = "{\n  \"a\": 1,\n  \"b\": ?\n}";
  json::Document doc;
  const auto err = json::parse(text, doc);
  ASSERT_TRUE(err.has_value());
  const auto lc = json::line_column(text, err->offset);
  EXPECT_EQ(lc.line, 3u);
  EXPECT_EQ(lc.column, 8u);
  EXPECT_EQ(text[err->offset], '?');
}

// ---------------------------------------------------------------------------------------------
// Member helpers

class JsonMembers : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(json::parse(R"({"s":"text","n":1,"o":{"x":1},"a":[1],"z":null})", doc_));
  }
  json::Document doc_;
};

TEST_F(JsonMembers, MemberFindsAnyType) {
  for (const char* name : {"s", "n", "o", "a", "z"}) {
    EXPECT_NE(json::member(doc_, name), nullptr) << name;
  }
  EXPECT_EQ(json::member(doc_, "missing"), nullptr);
}

TEST_F(JsonMembers, MemberOfNonObjectIsNull) {
  EXPECT_EQ(json::member(doc_["a"], "s"), nullptr);
  EXPECT_EQ(json::member(doc_["n"], "s"), nullptr);
  EXPECT_EQ(json::member(doc_["z"], "s"), nullptr);
}

TEST_F(JsonMembers, TypedAccessorsRejectWrongTypes) {
  ASSERT_TRUE(json::string_member(doc_, "s").has_value());
  EXPECT_EQ(*json::string_member(doc_, "s"), "text");
  EXPECT_FALSE(json::string_member(doc_, "n").has_value());
  EXPECT_FALSE(json::string_member(doc_, "z").has_value());
  EXPECT_FALSE(json::string_member(doc_, "missing").has_value());

  EXPECT_EQ(json::object_member(doc_, "o"), &doc_["o"]);
  EXPECT_EQ(json::object_member(doc_, "a"), nullptr);
  EXPECT_EQ(json::object_member(doc_, "z"), nullptr);

  EXPECT_EQ(json::array_member(doc_, "a"), &doc_["a"]);
  EXPECT_EQ(json::array_member(doc_, "o"), nullptr);
  EXPECT_EQ(json::array_member(doc_, "s"), nullptr);
}

TEST(JsonStringMember, KeepsEmbeddedNul) {
  json::Document doc;
  ASSERT_FALSE(json::parse(R"({"s":"a\u0000b"})", doc));
  const auto s = json::string_member(doc, "s");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(*s, std::string_view("a\0b", 3));
}

TEST(JsonSetMember, AddsThenReplaces) {
  json::Document doc;
  doc.SetObject();
  auto& a = doc.GetAllocator();
  json::set_member(doc, "k", json::string_value("one", a), a);
  json::set_member(doc, "k", json::string_value("two", a), a);
  json::set_member(doc, "n", json::Value(3), a);
  EXPECT_EQ(json::to_string(doc), R"({"k":"two","n":3})");
}

TEST(JsonToString, EscapesControlCharactersAndStaysOnOneLine) {
  json::Document doc;
  doc.SetObject();
  auto& a = doc.GetAllocator();
  std::string raw = "line1\nline2\r\t";
  raw.push_back('\0');
  raw.push_back('\x1f');
  json::set_member(doc, "m", json::string_value(raw, a), a);
  const std::string out = json::to_string(doc);
  for (char c : out) EXPECT_GE(static_cast<unsigned char>(c), 0x20u) << out;
  json::Document back;
  ASSERT_FALSE(json::parse(out, back)) << out;
  EXPECT_EQ(*json::string_member(back, "m"), raw);
}

// ---------------------------------------------------------------------------------------------
// classify

struct ClassifyCase {
  const char* name;
  const char* text;
  Kind kind;
  const char* method;  // expected method for requests and notifications
};

class Classify : public testing::TestWithParam<ClassifyCase> {};

TEST_P(Classify, Table) {
  const auto& c = GetParam();
  json::Document doc;
  ASSERT_FALSE(json::parse(c.text, doc)) << c.text;
  const auto got = jsonrpc::classify(doc);
  EXPECT_EQ(got.kind, c.kind) << c.text << " reason: " << got.reason;
  if (c.kind == Kind::request || c.kind == Kind::notification) {
    EXPECT_EQ(got.method, c.method);
  }
  if (c.kind == Kind::invalid) {
    EXPECT_STRNE(got.reason, "") << "an invalid message must say why";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, Classify,
    testing::Values(
        // Requests
        ClassifyCase{"RequestIntId", R"({"jsonrpc":"2.0","id":1,"method":"ping"})", Kind::request,
                     "ping"},
        ClassifyCase{"RequestStringId", R"({"jsonrpc":"2.0","id":"1","method":"ping"})",
                     Kind::request, "ping"},
        ClassifyCase{"RequestZeroId", R"({"jsonrpc":"2.0","id":0,"method":"a"})", Kind::request,
                     "a"},
        ClassifyCase{"RequestNegativeId", R"({"jsonrpc":"2.0","id":-5,"method":"a"})",
                     Kind::request, "a"},
        ClassifyCase{"RequestHugeId", R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"a"})",
                     Kind::request, "a"},
        ClassifyCase{"RequestEmptyStringId", R"({"jsonrpc":"2.0","id":"","method":"a"})",
                     Kind::request, "a"},
        ClassifyCase{"RequestObjectParams",
                     R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x"}})",
                     Kind::request, "tools/call"},
        ClassifyCase{"RequestArrayParams", R"({"jsonrpc":"2.0","id":2,"method":"m","params":[1]})",
                     Kind::request, "m"},
        // Notifications
        ClassifyCase{"Notification", R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
                     Kind::notification, "notifications/initialized"},
        ClassifyCase{"NotificationWithParams", R"({"jsonrpc":"2.0","method":"n","params":{"a":1}})",
                     Kind::notification, "n"},
        // Responses
        ClassifyCase{"ResultIntId", R"({"jsonrpc":"2.0","id":1,"result":{}})", Kind::response, ""},
        ClassifyCase{"ResultStringId", R"({"jsonrpc":"2.0","id":"x","result":null})",
                     Kind::response, ""},
        ClassifyCase{"ErrorResponse",
                     R"({"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"no"}})",
                     Kind::response, ""},
        ClassifyCase{"ErrorWithNullId",
                     R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}})",
                     Kind::response, ""},
        // Invalid
        ClassifyCase{"NotAnObject", R"([1,2])", Kind::invalid, ""},
        ClassifyCase{"Scalar", R"("hello")", Kind::invalid, ""},
        ClassifyCase{"MissingJsonrpc", R"({"id":1,"method":"ping"})", Kind::invalid, ""},
        ClassifyCase{"WrongJsonrpcVersion", R"({"jsonrpc":"1.0","id":1,"method":"ping"})",
                     Kind::invalid, ""},
        ClassifyCase{"JsonrpcAsNumber", R"({"jsonrpc":2.0,"id":1,"method":"ping"})", Kind::invalid,
                     ""},
        ClassifyCase{"MethodNotString", R"({"jsonrpc":"2.0","id":1,"method":5})", Kind::invalid,
                     ""},
        ClassifyCase{"FloatId", R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", Kind::invalid, ""},
        ClassifyCase{"FloatIdIntegral", R"({"jsonrpc":"2.0","id":1.0,"method":"ping"})",
                     Kind::invalid, ""},
        ClassifyCase{"NullIdRequest", R"({"jsonrpc":"2.0","id":null,"method":"ping"})",
                     Kind::invalid, ""},
        ClassifyCase{"ObjectId", R"({"jsonrpc":"2.0","id":{},"method":"ping"})", Kind::invalid, ""},
        ClassifyCase{"BoolId", R"({"jsonrpc":"2.0","id":true,"method":"ping"})", Kind::invalid, ""},
        ClassifyCase{"ParamsString", R"({"jsonrpc":"2.0","id":1,"method":"m","params":"x"})",
                     Kind::invalid, ""},
        ClassifyCase{"ParamsNumber", R"({"jsonrpc":"2.0","method":"m","params":3})", Kind::invalid,
                     ""},
        ClassifyCase{"ParamsNull", R"({"jsonrpc":"2.0","id":1,"method":"m","params":null})",
                     Kind::invalid, ""},
        ClassifyCase{"ResultAndError",
                     R"({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}})",
                     Kind::invalid, ""},
        ClassifyCase{"NeitherResultNorError", R"({"jsonrpc":"2.0","id":1})", Kind::invalid, ""},
        ClassifyCase{"ResponseWithoutId", R"({"jsonrpc":"2.0","result":{}})", Kind::invalid, ""},
        ClassifyCase{"ResponseFloatId", R"({"jsonrpc":"2.0","id":2.5,"result":{}})", Kind::invalid,
                     ""},
        ClassifyCase{"ErrorNotObject", R"({"jsonrpc":"2.0","id":1,"error":"boom"})", Kind::invalid,
                     ""},
        ClassifyCase{"EmptyObject", R"({})", Kind::invalid, ""}),
    [](const auto& pi) { return std::string(pi.param.name); });

// ---------------------------------------------------------------------------------------------
// id_text

struct IdTextCase {
  const char* message;
  const char* id;
};

class IdText : public testing::TestWithParam<IdTextCase> {};

TEST_P(IdText, KeepsTheJsonTextOfTheId) {
  json::Document doc;
  ASSERT_FALSE(json::parse(GetParam().message, doc));
  EXPECT_EQ(jsonrpc::id_text(doc), GetParam().id);
}

INSTANTIATE_TEST_SUITE_P(
    Table, IdText,
    testing::Values(IdTextCase{R"({"id":1})", "1"}, IdTextCase{R"({"id":"1"})", R"("1")"},
                    IdTextCase{R"({"id":null})", "null"}, IdTextCase{R"({"method":"x"})", "null"},
                    IdTextCase{R"({"id":"a\"b"})", R"("a\"b")"}, IdTextCase{R"({"id":-7})", "-7"}));

TEST(IdTextDistinct, NumberAndStringWithSameDigitsDiffer) {
  json::Document a, b;
  ASSERT_FALSE(json::parse(R"({"id":1})", a));
  ASSERT_FALSE(json::parse(R"({"id":"1"})", b));
  EXPECT_NE(jsonrpc::id_text(a), jsonrpc::id_text(b));
}

// ---------------------------------------------------------------------------------------------
// Builders

// Parses out (which must be valid JSON on one line) and classifies it.
json::Document parse_output(const std::string& out) {
  EXPECT_EQ(out.find('\n'), std::string::npos) << out;
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  json::Document doc;
  const auto err = json::parse(out, doc);
  EXPECT_FALSE(err.has_value()) << out << " : " << (err ? err->message : "");
  return doc;
}

struct ErrorResponseCase {
  const char* name;
  std::string id;
  int code;
  std::string message;
};

class ErrorResponse : public testing::TestWithParam<ErrorResponseCase> {};

TEST_P(ErrorResponse, IsAValidResponseCarryingIdCodeAndMessage) {
  const auto& c = GetParam();
  const std::string out = jsonrpc::error_response(c.id, c.code, c.message);
  json::Document doc = parse_output(out);
  ASSERT_TRUE(doc.IsObject()) << out;
  EXPECT_EQ(jsonrpc::classify(doc).kind, Kind::response) << out;
  EXPECT_EQ(jsonrpc::id_text(doc), c.id);
  const json::Value* err = json::object_member(doc, "error");
  ASSERT_NE(err, nullptr);
  ASSERT_TRUE((*err)["code"].IsInt());
  EXPECT_EQ((*err)["code"].GetInt(), c.code);
  EXPECT_EQ(json::string_member(*err, "message"), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ErrorResponse,
    testing::Values(
        ErrorResponseCase{"Plain", "1", jsonrpc::code::method_not_found, "Method not found"},
        ErrorResponseCase{"StringId", R"("abc")", jsonrpc::code::invalid_params, "bad"},
        ErrorResponseCase{"NullId", "null", jsonrpc::code::parse_error, "Parse error"},
        ErrorResponseCase{"Empty", "7", jsonrpc::code::internal_error, ""},
        ErrorResponseCase{"Quotes", "7", -1, R"(say "hi" \ back\slash)"},
        ErrorResponseCase{"Newlines", "7", jsonrpc::code::request_timeout, "one\ntwo\r\nthree"},
        ErrorResponseCase{"AllControls", "7", jsonrpc::code::connection_closed,
                          std::string("\x00\x01\x07\x08\t\x0b\x0c\x1b\x1f", 9)},
        ErrorResponseCase{"Utf8", "7", jsonrpc::code::resource_not_found,
                          "caf\xc3\xa9 \xe2\x9c\x93"}),
    [](const auto& pi) { return std::string(pi.param.name); });

TEST(ResultResponse, EmbedsTheResultVerbatim) {
  const std::string out = jsonrpc::result_response(R"("x")", R"({"tools":[{"name":"a"}]})");
  json::Document doc = parse_output(out);
  EXPECT_EQ(jsonrpc::classify(doc).kind, Kind::response);
  EXPECT_EQ(jsonrpc::id_text(doc), R"("x")");
  EXPECT_EQ(json::to_string(doc["result"]), R"({"tools":[{"name":"a"}]})");
}

TEST(ResultResponse, NumericIdStaysNumeric) {
  json::Document doc = parse_output(jsonrpc::result_response("42", "{}"));
  ASSERT_TRUE(doc["id"].IsInt());
  EXPECT_EQ(doc["id"].GetInt(), 42);
}

struct NotificationCase {
  const char* name;
  std::string method;
  std::string params;
};

class Notification : public testing::TestWithParam<NotificationCase> {};

TEST_P(Notification, IsAValidNotification) {
  const auto& c = GetParam();
  const std::string out = jsonrpc::notification(c.method, c.params);
  json::Document doc = parse_output(out);
  const auto cl = jsonrpc::classify(doc);
  EXPECT_EQ(cl.kind, Kind::notification) << out << " " << cl.reason;
  EXPECT_EQ(cl.method, c.method);
  if (c.params.empty()) {
    EXPECT_EQ(json::member(doc, "params"), nullptr) << out;
  } else {
    EXPECT_EQ(json::to_string(doc["params"]), c.params);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, Notification,
    testing::Values(NotificationCase{"NoParams", "notifications/initialized", ""},
                    NotificationCase{"Params", "notifications/progress",
                                     R"({"progressToken":1,"progress":0.5})"},
                    NotificationCase{"MethodWithQuote", "odd\"method", "{}"},
                    NotificationCase{"MethodWithNewline", "a\nb", ""},
                    NotificationCase{"MethodWithNul", std::string("a\0b", 3), ""}),
    [](const auto& pi) { return std::string(pi.param.name); });

}  // namespace
}  // namespace mcp
