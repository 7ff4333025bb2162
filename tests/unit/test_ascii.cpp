// protocol/ascii.hpp: case rules for protocol text, independent of the C locale.
#include <gtest/gtest.h>

#include <clocale>
#include <string>

#include "protocol/ascii.hpp"

namespace mcp::ascii {
namespace {

TEST(Ascii, LowersOnlyAsciiLetters) {
  EXPECT_EQ(lowered("Mcp-Param-Region_2"), "mcp-param-region_2");
  EXPECT_EQ(lowered("@[`{"), "@[`{") << "the neighbours of A-Z and a-z";
  const std::string utf8 = "\xC3\x84pfel";  // "Äpfel": bytes above 0x7f are left alone
  EXPECT_EQ(lowered(utf8), "\xC3\x84pfel");
  EXPECT_EQ(lowered(""), "");
}

TEST(Ascii, ComparesIgnoringCase) {
  EXPECT_TRUE(iequals("Content-Length", "content-LENGTH"));
  EXPECT_FALSE(iequals("Content-Length", "Content-Lengt"));
  EXPECT_FALSE(iequals("a", "b"));
  EXPECT_FALSE(iequals("[", "{")) << "'[' + 32 is '{', but neither is a letter";
  EXPECT_TRUE(iequals("", ""));
  static_assert(iequals("ABC", "abc"));
}

TEST(Ascii, PrefixIgnoringCase) {
  EXPECT_TRUE(istarts_with("Text/Event-Stream; charset=utf-8", "text/event-stream"));
  EXPECT_TRUE(istarts_with("x", ""));
  EXPECT_FALSE(istarts_with("text", "text/"));
  EXPECT_FALSE(istarts_with("application/json", "text/"));
}

TEST(Ascii, TheLocaleDoesNotMatter) {
  // In tr_TR, tolower('I') is the dotless i; ours stays 'i'. The locale may not be installed,
  // in which case setlocale fails and the C locale stays: the result must be the same either way.
  const std::string before = std::setlocale(LC_CTYPE, nullptr);
  std::setlocale(LC_CTYPE, "tr_TR.UTF-8");
  EXPECT_EQ(lowered("MCP-PARAM-ID"), "mcp-param-id");
  std::setlocale(LC_CTYPE, before.c_str());
}

}  // namespace
}  // namespace mcp::ascii
