// worker/catalog_fetcher.hpp for a modern backend (2026-07-28): a DiscoverResult stands in for
// the initialize result, every list request carries _meta, and the ready params say so.
#include <gtest/gtest.h>

#include <string>

#include "worker/catalog_fetcher.hpp"

namespace mcp::worker {
namespace {

json::Document parse(const std::string& text) {
  json::Document doc;
  EXPECT_FALSE(json::parse(text, doc).has_value()) << text;
  return doc;
}

constexpr const char* meta = R"({"io.modelcontextprotocol/protocolVersion":"2026-07-28"})";

struct Row {
  const char* name;
  const char* discover_result;
  int list_requests;  // how many lists the capabilities announce
  const char* server_name;
};

const Row rows[] = {
    {"everything",
     R"({"supportedVersions":["2026-07-28"],"capabilities":{"tools":{"listChanged":true},"prompts":{},"resources":{}},"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"m","version":"1"}},"resultType":"complete","ttlMs":0,"cacheScope":"public","instructions":"hi"})",
     4, "m"},
    {"tools_only_server_info_in_body",
     R"({"supportedVersions":["2026-07-28"],"capabilities":{"tools":{}},"serverInfo":{"name":"old-style","version":"1"}})",
     1, "old-style"},
    {"nothing", R"({"supportedVersions":["2026-07-28"],"capabilities":{}})", 0, ""},
};

class ModernCatalog : public testing::TestWithParam<Row> {};

std::string RowName(const testing::TestParamInfo<Row>& row) {
  return row.param.name;
}

TEST_P(ModernCatalog, ListsWithMetaAndReadyParamsSayModern) {
  const Row& row = GetParam();
  CatalogFetcher f;
  json::Document result = parse(row.discover_result);
  CatalogFetcher::Step step = f.on_discover_result(result, "2026-07-28", meta);
  EXPECT_TRUE(step.initialized);
  ASSERT_EQ(static_cast<int>(step.send.size()), row.list_requests);
  for (const auto& frame : step.send) {
    json::Document req = parse(frame);
    EXPECT_NE(json::string_member(req, "method")->find("/list"), std::string_view::npos);
    EXPECT_EQ(frame.find("notifications/initialized"), std::string::npos);
    const json::Value* params = json::object_member(req, "params");
    ASSERT_NE(params, nullptr) << frame;
    const json::Value* m = json::object_member(*params, "_meta");
    ASSERT_NE(m, nullptr) << frame;
    EXPECT_EQ(json::string_member(*m, "io.modelcontextprotocol/protocolVersion"), "2026-07-28");
    // Answer each list with one empty page of a modern result.
    const std::string answer =
        R"({"jsonrpc":"2.0","id":)" + json::to_string(req["id"]) +
        R"(,"result":{"tools":[],"prompts":[],"resources":[],"resourceTemplates":[],"resultType":"complete","ttlMs":0,"cacheScope":"public"}})";
    f.on_response(parse(answer));
  }
  EXPECT_TRUE(f.complete());
  json::Document ready = parse(f.ready_params());
  EXPECT_EQ(json::string_member(ready, "era"), "modern");
  EXPECT_EQ(json::string_member(ready, "protocolVersion"), "2026-07-28");
  ASSERT_NE(json::object_member(ready, "capabilities"), nullptr);
  const json::Value* info = json::object_member(ready, "serverInfo");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(json::string_member(*info, "name").value_or(""), row.server_name);
  ASSERT_NE(json::array_member(ready, "tools"), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Discover, ModernCatalog, testing::ValuesIn(rows), RowName);

TEST(ModernCatalog, CursorAndMetaTogether) {
  CatalogFetcher f;
  json::Document result =
      parse(R"({"supportedVersions":["2026-07-28"],"capabilities":{"tools":{}}})");
  auto step = f.on_discover_result(result, "2026-07-28", meta);
  ASSERT_EQ(step.send.size(), 1u);
  json::Document req = parse(step.send[0]);
  auto next = f.on_response(parse(
      R"({"jsonrpc":"2.0","id":)" + json::to_string(req["id"]) +
      R"(,"result":{"tools":[{"name":"a","inputSchema":{"type":"object"}}],"nextCursor":"c2","resultType":"complete","ttlMs":0,"cacheScope":"public"}})"));
  ASSERT_EQ(next.send.size(), 1u);
  json::Document page2 = parse(next.send[0]);
  const json::Value* params = json::object_member(page2, "params");
  ASSERT_NE(params, nullptr);
  EXPECT_EQ(json::string_member(*params, "cursor"), "c2");
  EXPECT_NE(json::object_member(*params, "_meta"), nullptr);
}

TEST(LegacyCatalog, ReadyParamsSayLegacy) {
  CatalogFetcher f;
  f.on_response(parse(
      R"({"jsonrpc":"2.0","id":"mcproxy:init","result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"l","version":"1"}}})"));
  json::Document ready = parse(f.ready_params());
  EXPECT_EQ(json::string_member(ready, "era"), "legacy");
  EXPECT_EQ(json::string_member(ready, "protocolVersion"), "2025-11-25");
}

}  // namespace
}  // namespace mcp::worker
