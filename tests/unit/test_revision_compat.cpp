// protocol/revision_compat.hpp: results adapted to a client's older revision.
#include <gtest/gtest.h>

#include <string>

#include "protocol/json.hpp"
#include "protocol/revision_compat.hpp"

namespace mcp {
namespace {

struct CompatCase {
  const char* name;
  const char* method;
  const char* version;
  const char* result;
  const char* expected;
  int changed;
};

class RevisionCompat : public testing::TestWithParam<CompatCase> {};

TEST_P(RevisionCompat, Adapts) {
  const auto& c = GetParam();
  json::Document doc, expected;
  ASSERT_FALSE(json::parse(c.result, doc));
  ASSERT_FALSE(json::parse(c.expected, expected));
  EXPECT_EQ(adapt_result_to_revision(doc, doc.GetAllocator(), c.method, c.version), c.changed);
  EXPECT_EQ(json::to_string(doc), json::to_string(expected));
}

INSTANTIATE_TEST_SUITE_P(
    Table, RevisionCompat,
    testing::Values(
        CompatCase{
            "AudioFor20241105", "tools/call", "2024-11-05",
            R"({"content":[{"type":"audio","data":"AAA=","mimeType":"audio/wav"}]})",
            R"({"content":[{"type":"resource","resource":{"uri":"mcproxy:audio/0","mimeType":"audio/wav","blob":"AAA="}}]})",
            1},
        CompatCase{"AudioKeptFor20250326", "tools/call", "2025-03-26",
                   R"({"content":[{"type":"audio","data":"AAA=","mimeType":"audio/wav"}]})",
                   R"({"content":[{"type":"audio","data":"AAA=","mimeType":"audio/wav"}]})", 0},
        CompatCase{
            "LinkFor20250326", "tools/call", "2025-03-26",
            R"({"content":[{"type":"text","text":"a"},{"type":"resource_link","uri":"file:///x","name":"x"}]})",
            R"({"content":[{"type":"text","text":"a"},{"type":"text","text":"Resource link: x <file:///x>"}]})",
            1},
        CompatCase{"LinkKeptFor20250618", "tools/call", "2025-06-18",
                   R"({"content":[{"type":"resource_link","uri":"file:///x","name":"x"}]})",
                   R"({"content":[{"type":"resource_link","uri":"file:///x","name":"x"}]})", 0},
        CompatCase{
            "PromptMessage", "prompts/get", "2024-11-05",
            R"({"messages":[{"role":"user","content":{"type":"resource_link","uri":"u","name":"n","title":"T"}}]})",
            R"({"messages":[{"role":"user","content":{"type":"text","text":"Resource link: T <u>"}}]})",
            1},
        CompatCase{"OtherMethodsUntouched", "resources/read", "2024-11-05",
                   R"({"contents":[{"type":"audio"}]})", R"({"contents":[{"type":"audio"}]})", 0},
        CompatCase{"MalformedContentIgnored", "tools/call", "2024-11-05", R"({"content":[1,"x"]})",
                   R"({"content":[1,"x"]})", 0}),
    [](const auto& row) { return std::string(row.param.name); });

}  // namespace
}  // namespace mcp
