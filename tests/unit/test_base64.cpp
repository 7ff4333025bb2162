// protocol/base64.hpp: RFC 4648 test vectors in both forms, and what decoding refuses.
#include <gtest/gtest.h>

#include <string>

#include "protocol/base64.hpp"

namespace mcp::base64 {
namespace {

// RFC 4648 section 10.
struct Vector {
  const char* bytes;
  const char* standard;
  const char* url;
};
constexpr Vector vectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

TEST(Base64, Rfc4648VectorsBothWays) {
  for (const auto& v : vectors) {
    EXPECT_EQ(encode(v.bytes, Form::standard), v.standard) << v.bytes;
    EXPECT_EQ(encode(v.bytes, Form::url), v.url) << v.bytes;
    EXPECT_EQ(decode(v.standard, Form::standard), std::string(v.bytes)) << v.standard;
    EXPECT_EQ(decode(v.url, Form::url), std::string(v.bytes)) << v.url;
  }
}

TEST(Base64, TheTwoAlphabetsDifferIn62And63) {
  const std::string bytes = "\xfb\xff\xbf";
  EXPECT_EQ(encode(bytes, Form::standard), "+/+/");
  EXPECT_EQ(encode(bytes, Form::url), "-_-_");
  EXPECT_EQ(decode("+/+/", Form::standard), bytes);
  EXPECT_EQ(decode("-_-_", Form::url), bytes);
  EXPECT_EQ(decode("-_-_", Form::standard), std::nullopt);
  EXPECT_EQ(decode("+/+/", Form::url), std::nullopt);
}

TEST(Base64, EveryByteRoundTrips) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const std::string part = all.substr(0, n);
    EXPECT_EQ(decode(encode(part, Form::standard), Form::standard), part) << n;
    EXPECT_EQ(decode(encode(part, Form::url), Form::url), part) << n;
  }
}

TEST(Base64, StandardNeedsItsPadding) {
  EXPECT_EQ(decode("Zg", Form::standard), std::nullopt) << "missing padding";
  EXPECT_EQ(decode("Zg=", Form::standard), std::nullopt);
  EXPECT_EQ(decode("Z===", Form::standard), std::nullopt) << "three '='";
  EXPECT_EQ(decode("Zm=v", Form::standard), std::nullopt) << "'=' inside";
  EXPECT_EQ(decode("Zm9v\n", Form::standard), std::nullopt) << "a line break";
  EXPECT_EQ(decode("Zm 9v", Form::standard), std::nullopt);
}

TEST(Base64, UrlHasNoPadding) {
  EXPECT_EQ(decode("Zg==", Form::url), std::nullopt);
  EXPECT_EQ(decode("Z", Form::url), std::nullopt) << "one digit holds no byte";
  EXPECT_EQ(decode("Zm9vY", Form::url), std::nullopt);
}

}  // namespace
}  // namespace mcp::base64
