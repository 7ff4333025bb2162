// worker/remote_message.hpp for modern (2026-07-28) messages: which version header a message
// gets, its Mcp-Name, and the header value encoding (streamable-http "Value Encoding").
#include <gtest/gtest.h>

#include <string>

#include "worker/remote_message.hpp"

namespace mcp::worker {
namespace {

struct EncodeRow {
  const char* name;
  std::string value;
  const char* encoded;
};

// The specification's own table, and the edges around it.
const EncodeRow encode_rows[] = {
    {"plain", "us-west1", "us-west1"},
    {"non_ascii", "Hello, \xe4\xb8\x96\xe7\x95\x8c", "=?base64?SGVsbG8sIOS4lueVjA==?="},
    {"padded", " padded ", "=?base64?IHBhZGRlZCA=?="},
    {"newline", "line1\nline2", "=?base64?bGluZTEKbGluZTI=?="},
    {"sentinel_lookalike", "=?base64?literal?=", "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="},
    {"uri", "test://static-text", "test://static-text"},
    {"one_byte_tail", "\x01", "=?base64?AQ==?="},
    {"two_byte_tail", "\x01\x02", "=?base64?AQI=?="},
    {"empty", "",
     "=?base64?"
     "?="},
    {"tab", "a\tb", "=?base64?YQli?="},
};

class EncodeHeaderValue : public testing::TestWithParam<EncodeRow> {};

std::string EncodeName(const testing::TestParamInfo<EncodeRow>& row) {
  return row.param.name;
}

TEST_P(EncodeHeaderValue, AsTheSpecificationSays) {
  EXPECT_EQ(encode_header_value(GetParam().value), GetParam().encoded);
}

INSTANTIATE_TEST_SUITE_P(Values, EncodeHeaderValue, testing::ValuesIn(encode_rows), EncodeName);

constexpr const char* meta = R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"})";

TEST(ClassifyOutgoing, ModernRequestsCarryVersionAndName) {
  const std::string call =
      std::string(
          R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get weather ",)") +
      meta + "}}";
  auto info = classify_outgoing(call);
  EXPECT_EQ(info.method, "tools/call");
  EXPECT_EQ(info.modern_version, "2026-07-28");
  EXPECT_EQ(info.mcp_name, "=?base64?Z2V0IHdlYXRoZXIg?=");
  EXPECT_EQ(info.origin, OutgoingMessage::Origin::supervisor_call);

  const std::string read =
      std::string(
          R"({"jsonrpc":"2.0","id":"mcproxy:x","method":"resources/read","params":{"uri":"file:///a b",)") +
      meta + "}}";
  info = classify_outgoing(read);
  EXPECT_EQ(info.mcp_name, "file:///a b");
  EXPECT_EQ(info.origin, OutgoingMessage::Origin::worker);

  const std::string prompt =
      std::string(R"({"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":"p",)") +
      meta + "}}";
  EXPECT_EQ(classify_outgoing(prompt).mcp_name, "p");

  const std::string list =
      std::string(R"({"jsonrpc":"2.0","id":5,"method":"tools/list","params":{)") + meta + "}}";
  info = classify_outgoing(list);
  EXPECT_EQ(info.modern_version, "2026-07-28");
  EXPECT_EQ(info.mcp_name, "");
}

TEST(ClassifyOutgoing, LegacyRequestsHaveNoVersion) {
  auto info = classify_outgoing(
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"t","_meta":{"progressToken":1}}})");
  EXPECT_EQ(info.modern_version, "");
  EXPECT_EQ(info.mcp_name, "");  // legacy requests carry no Mcp-Name
  info = classify_outgoing(
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})");
  EXPECT_EQ(info.modern_version, "");
  EXPECT_EQ(info.cancels_id_json, "7");
  EXPECT_EQ(info.id_json, "");
}

}  // namespace
}  // namespace mcp::worker
