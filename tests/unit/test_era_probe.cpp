// worker/era_probe.hpp: which era a backend speaks, judged from its answer to server/discover
// (specification 2026-07-28, basic/versioning "Backward Compatibility"). One row per answer.
#include <gtest/gtest.h>

#include <string>

#include "worker/era_probe.hpp"

namespace mcp::worker {
namespace {

using Kind = EraVerdict::Kind;

struct Row {
  const char* name;
  const char* answer;  // the JSON-RPC response to the probe
  const char* tried;   // the version the probe asked for
  Kind kind;
  const char* version;  // expected for modern and retry
};

const Row rows[] = {
    {"discover_result_with_our_version",
     R"({"jsonrpc":"2.0","id":"p","result":{"supportedVersions":["2026-07-28"],"capabilities":{},"resultType":"complete","ttlMs":0,"cacheScope":"public"}})",
     "2026-07-28", Kind::modern, "2026-07-28"},
    {"discover_result_dual_era",
     R"({"jsonrpc":"2.0","id":"p","result":{"supportedVersions":["2025-11-25","2026-07-28"],"capabilities":{"tools":{}}}})",
     "2026-07-28", Kind::modern, "2026-07-28"},
    {"discover_result_other_modern_only",
     R"({"jsonrpc":"2.0","id":"p","result":{"supportedVersions":["2027-01-01"],"capabilities":{}}})",
     "2026-07-28", Kind::legacy, ""},
    {"discover_result_without_versions",
     R"({"jsonrpc":"2.0","id":"p","result":{"capabilities":{}}})", "2026-07-28", Kind::legacy, ""},
    {"discover_result_without_capabilities",
     R"({"jsonrpc":"2.0","id":"p","result":{"supportedVersions":["2026-07-28"]}})", "2026-07-28",
     Kind::legacy, ""},
    {"empty_result_of_a_lenient_legacy_server", R"({"jsonrpc":"2.0","id":"p","result":{}})",
     "2026-07-28", Kind::legacy, ""},
    {"unsupported_version_lists_ours",
     R"({"jsonrpc":"2.0","id":"p","error":{"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2026-07-28","2025-11-25"],"requested":"2027-01-01"}}})",
     "2027-01-01", Kind::retry, "2026-07-28"},
    {"unsupported_version_lists_only_legacy",
     R"({"jsonrpc":"2.0","id":"p","error":{"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2025-11-25"],"requested":"2026-07-28"}}})",
     "2026-07-28", Kind::legacy, ""},
    {"unsupported_version_lists_the_one_we_tried",
     R"({"jsonrpc":"2.0","id":"p","error":{"code":-32022,"message":"x","data":{"supported":["2026-07-28"]}}})",
     "2026-07-28", Kind::legacy, ""},
    {"unsupported_version_without_data",
     R"({"jsonrpc":"2.0","id":"p","error":{"code":-32022,"message":"x"}})", "2026-07-28",
     Kind::legacy, ""},
    {"missing_capability_is_modern",
     R"({"jsonrpc":"2.0","id":"p","error":{"code":-32021,"message":"x","data":{"requiredCapabilities":{"sampling":{}}}}})",
     "2026-07-28", Kind::modern, "2026-07-28"},
    {"header_mismatch_is_modern",
     R"({"jsonrpc":"2.0","id":"p","error":{"code":-32020,"message":"x"}})", "2026-07-28",
     Kind::modern, "2026-07-28"},
    {"method_not_found_is_legacy",
     R"({"jsonrpc":"2.0","id":"p","error":{"code":-32601,"message":"Method not found"}})",
     "2026-07-28", Kind::legacy, ""},
    {"not_initialized_is_legacy",
     R"({"jsonrpc":"2.0","id":"p","error":{"code":-32002,"message":"Server not initialized"}})",
     "2026-07-28", Kind::legacy, ""},
    {"invalid_params_is_legacy",
     R"({"jsonrpc":"2.0","id":"p","error":{"code":-32602,"message":"x"}})", "2026-07-28",
     Kind::legacy, ""},
    {"synthesized_http_error_is_legacy",
     R"({"jsonrpc":"2.0","id":"p","error":{"code":-32603,"message":"the remote server answered HTTP 400"}})",
     "2026-07-28", Kind::legacy, ""},
    {"error_without_code", R"({"jsonrpc":"2.0","id":"p","error":{"message":"x"}})", "2026-07-28",
     Kind::legacy, ""},
    {"neither_result_nor_error", R"({"jsonrpc":"2.0","id":"p"})", "2026-07-28", Kind::legacy, ""},
};

class JudgeDiscoverAnswer : public testing::TestWithParam<Row> {};

std::string RowName(const testing::TestParamInfo<Row>& row) {
  return row.param.name;
}

TEST_P(JudgeDiscoverAnswer, DecidesTheEra) {
  const Row& row = GetParam();
  json::Document doc;
  ASSERT_FALSE(json::parse(row.answer, doc)) << row.answer;
  const EraVerdict v = judge_discover_answer(doc, row.tried);
  EXPECT_EQ(v.kind, row.kind) << v.why;
  if (row.kind != Kind::legacy) {
    EXPECT_EQ(v.version, row.version);
  }
  EXPECT_FALSE(v.why.empty());
}

INSTANTIATE_TEST_SUITE_P(Answers, JudgeDiscoverAnswer, testing::ValuesIn(rows), RowName);

TEST(DiscoverRequest, CarriesTheMetaAndTheId) {
  const std::string req = discover_request(
      "mcproxy:discover:1", R"({"io.modelcontextprotocol/protocolVersion":"2026-07-28"})");
  json::Document doc;
  ASSERT_FALSE(json::parse(req, doc)) << req;
  EXPECT_EQ(json::string_member(doc, "method"), "server/discover");
  EXPECT_EQ(json::string_member(doc, "id"), "mcproxy:discover:1");
  const json::Value* meta = json::object_member(*json::object_member(doc, "params"), "_meta");
  ASSERT_NE(meta, nullptr);
  EXPECT_EQ(json::string_member(*meta, "io.modelcontextprotocol/protocolVersion"), "2026-07-28");
}

}  // namespace
}  // namespace mcp::worker
