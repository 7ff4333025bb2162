// protocol/modern_meta.hpp: what the worker adds to a request for a modern backend. The keys a
// request already carries are the real client's and stay; the missing ones are ours.
#include <gtest/gtest.h>

#include <string>

#include "protocol/modern_meta.hpp"

namespace mcp::modern {
namespace {

RequestMeta defaults(std::string log_level = {}) {
  RequestMeta m;
  m.protocol_version = "2026-07-28";
  m.client_info_json = R"({"name":"mcproxy","version":"0.1.0"})";
  m.client_capabilities_json = R"({"sampling":{},"elicitation":{},"roots":{}})";
  m.log_level = std::move(log_level);
  return m;
}

struct Row {
  const char* name;
  const char* message;
  const char* log_level;
  MetaOutcome outcome;
  bool from_modern_client;
  // Expected _meta afterwards, as JSON text ("" when the message is not a request).
  const char* meta;
};

const Row rows[] = {
    {"no_params", R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})", "", MetaOutcome::added,
     false,
     R"({"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcproxy","version":"0.1.0"},"io.modelcontextprotocol/clientCapabilities":{"sampling":{},"elicitation":{},"roots":{}}})"},
    {"params_without_meta",
     R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"t"}})", "",
     MetaOutcome::added, false,
     R"({"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcproxy","version":"0.1.0"},"io.modelcontextprotocol/clientCapabilities":{"sampling":{},"elicitation":{},"roots":{}}})"},
    {"progress_token_kept",
     R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"t","_meta":{"progressToken":7}}})",
     "", MetaOutcome::added, false,
     R"({"progressToken":7,"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcproxy","version":"0.1.0"},"io.modelcontextprotocol/clientCapabilities":{"sampling":{},"elicitation":{},"roots":{}}})"},
    {"modern_client_complete",
     R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"t","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"c","version":"9"},"io.modelcontextprotocol/clientCapabilities":{"sampling":{}}}}})",
     "info", MetaOutcome::unchanged, true,
     R"({"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"c","version":"9"},"io.modelcontextprotocol/clientCapabilities":{"sampling":{}}})"},
    {"modern_client_without_client_info",
     R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"t","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}})",
     "info", MetaOutcome::added, true,
     R"({"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"mcproxy","version":"0.1.0"}})"},
    {"legacy_client_gets_log_level",
     R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"t"}})", "warning",
     MetaOutcome::added, false,
     R"({"io.modelcontextprotocol/logLevel":"warning","io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcproxy","version":"0.1.0"},"io.modelcontextprotocol/clientCapabilities":{"sampling":{},"elicitation":{},"roots":{}}})"},
    {"string_id",
     R"({"jsonrpc":"2.0","id":"x","method":"ping","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}})",
     "", MetaOutcome::unchanged, true,
     R"({"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}})"},
    {"meta_not_an_object_replaced",
     R"({"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"_meta":3}})", "",
     MetaOutcome::added, false,
     R"({"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"mcproxy","version":"0.1.0"},"io.modelcontextprotocol/clientCapabilities":{"sampling":{},"elicitation":{},"roots":{}}})"},
    {"notification",
     R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})", "",
     MetaOutcome::not_request, false, ""},
    {"response", R"({"jsonrpc":"2.0","id":9,"result":{}})", "", MetaOutcome::not_request, false,
     ""},
    {"not_json", R"({"jsonrpc":)", "", MetaOutcome::unparsable, false, ""},
    {"array", R"([1,2])", "", MetaOutcome::unparsable, false, ""},
};

class AddRequestMeta : public testing::TestWithParam<Row> {};

std::string RowName(const testing::TestParamInfo<Row>& row) {
  return row.param.name;
}

TEST_P(AddRequestMeta, AddsOnlyWhatIsMissing) {
  const Row& row = GetParam();
  const MetaInjection out = add_request_meta(row.message, defaults(row.log_level));
  EXPECT_EQ(out.outcome, row.outcome);
  EXPECT_EQ(out.from_modern_client, row.from_modern_client);
  if (row.outcome != MetaOutcome::added) {
    EXPECT_EQ(out.text, row.message);  // untouched, byte for byte
  }
  if (row.meta[0] == '\0') return;
  json::Document doc;
  ASSERT_FALSE(json::parse(out.text, doc)) << out.text;
  const json::Value* params = json::object_member(doc, "params");
  ASSERT_NE(params, nullptr);
  const json::Value* meta = json::object_member(*params, "_meta");
  ASSERT_NE(meta, nullptr);
  EXPECT_EQ(json::to_string(*meta), row.meta);
  // Everything but _meta is as it was.
  json::Document original;
  ASSERT_FALSE(json::parse(row.message, original));
  EXPECT_EQ(json::to_string(doc["id"]), json::to_string(original["id"]));
  EXPECT_EQ(json::string_member(doc, "method"), json::string_member(original, "method"));
}

INSTANTIATE_TEST_SUITE_P(Messages, AddRequestMeta, testing::ValuesIn(rows), RowName);

TEST(MetaObject, NamesWhatIsSet) {
  EXPECT_EQ(
      meta_object(defaults()),
      R"({"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"sampling":{},"elicitation":{},"roots":{}},"io.modelcontextprotocol/clientInfo":{"name":"mcproxy","version":"0.1.0"}})");
  EXPECT_EQ(meta_object(defaults("debug")).find(R"("io.modelcontextprotocol/logLevel":"debug")") !=
                std::string::npos,
            true);
}

TEST(IsModernError, OnlyTheReservedCodes) {
  EXPECT_TRUE(is_modern_error(-32020));
  EXPECT_TRUE(is_modern_error(-32021));
  EXPECT_TRUE(is_modern_error(-32022));
  EXPECT_FALSE(is_modern_error(-32601));
  EXPECT_FALSE(is_modern_error(-32001));
}

}  // namespace
}  // namespace mcp::modern
