// protocol/tool_names.hpp
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>
#include <set>
#include <string>

#include "protocol/tool_names.hpp"

namespace mcp {
namespace {

NamingRules rules(std::size_t max_length = 64, std::string separator = "__") {
  NamingRules r;
  r.max_length = max_length;
  r.separator = std::move(separator);
  return r;
}

// What every client accepts: ^[A-Za-z0-9_-]{1,max}$.
bool client_safe(const std::string& name, std::size_t max) {
  static const std::regex re("^[A-Za-z0-9_-]+$");
  return !name.empty() && name.size() <= max && std::regex_match(name, re);
}

// The 8-hex-digit suffix the rewrite appends, computed independently of the implementation.
std::string hash_suffix(std::string_view full) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "_%08x", static_cast<unsigned>(fnv1a64(full) & 0xffffffffu));
  return buf;
}

// ---------------------------------------------------------------------------------------------
// fnv1a64

struct FnvCase {
  std::string input;
  std::uint64_t hash;
};

class Fnv1a64 : public testing::TestWithParam<FnvCase> {};

TEST_P(Fnv1a64, KnownVectors) {
  EXPECT_EQ(fnv1a64(GetParam().input), GetParam().hash);
}

// Reference values from the FNV specification's test suite (draft-eastlake-fnv).
INSTANTIATE_TEST_SUITE_P(Table, Fnv1a64,
                         testing::Values(FnvCase{"", 0xcbf29ce484222325ull},
                                         FnvCase{"a", 0xaf63dc4c8601ec8cull},
                                         FnvCase{"foobar", 0x85944171f73967e8ull},
                                         // High bytes must be hashed as unsigned.
                                         FnvCase{"\xff", 0xaf64724c8602eb6eull}));

// ---------------------------------------------------------------------------------------------
// exposed_name: names that fit pass through unchanged

struct PassCase {
  const char* name;
  std::string prefix;
  std::string tool;
  NamingRules rules;
  std::string expected;
};

class ExposedNamePassThrough : public testing::TestWithParam<PassCase> {};

TEST_P(ExposedNamePassThrough, Table) {
  const auto& c = GetParam();
  EXPECT_EQ(exposed_name(c.prefix, c.tool, c.rules), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ExposedNamePassThrough,
    testing::Values(
        PassCase{"Prefixed", "github", "create_issue", rules(), "github__create_issue"},
        PassCase{"EmptyPrefixMeansNoSeparator", "", "create_issue", rules(), "create_issue"},
        PassCase{"CustomSeparator", "fs", "read", rules(64, "-"), "fs-read"},
        PassCase{"DashesAndDigits", "a-1", "B_2-c", rules(), "a-1__B_2-c"},
        PassCase{"ExactlyAtMax", std::string(30, 'p'), std::string(32, 't'), rules(),
                 std::string(30, 'p') + "__" + std::string(32, 't')},
        PassCase{"ExactlyAtCustomMax", "", std::string(20, 'x'), rules(20), std::string(20, 'x')}),
    [](const auto& pi) { return std::string(pi.param.name); });

// ---------------------------------------------------------------------------------------------
// exposed_name: names that do not fit are rewritten

struct RewriteCase {
  const char* name;
  std::string prefix;
  std::string tool;
  NamingRules rules;
  std::string expected_stem;  // the part before the hash suffix
};

class ExposedNameRewrite : public testing::TestWithParam<RewriteCase> {};

TEST_P(ExposedNameRewrite, Table) {
  const auto& c = GetParam();
  const std::string got = exposed_name(c.prefix, c.tool, c.rules);
  const std::string full = c.prefix.empty() ? c.tool : c.prefix + c.rules.separator + c.tool;
  EXPECT_EQ(got, c.expected_stem + hash_suffix(full));
  EXPECT_TRUE(client_safe(got, c.rules.max_length)) << got;
  EXPECT_TRUE(is_valid_exposed_name(got, c.rules.max_length)) << got;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ExposedNameRewrite,
    testing::Values(
        RewriteCase{"DotIsIllegal", "", "files.read", rules(), "files_read"},
        RewriteCase{"SlashAndSpace", "srv", "a/b c", rules(), "srv__a_b_c"},
        RewriteCase{"IllegalSeparatorInPrefix", "my.server", "x", rules(), "my_server__x"},
        RewriteCase{"Utf8BytesEachReplaced", "", "caf\xc3\xa9", rules(), "caf__"},
        RewriteCase{"Empty", "", "", rules(), ""},
        RewriteCase{"TooLongCutToLeaveRoomForHash", "", std::string(65, 'a'), rules(),
                    std::string(55, 'a')},
        RewriteCase{"TooLongWithPrefix", "server", std::string(80, 'b'), rules(),
                    "server__" + std::string(47, 'b')},
        RewriteCase{"CustomMax", "", std::string(33, 'c'), rules(32), std::string(23, 'c')},
        RewriteCase{"MinimumMax", "", std::string(17, 'd'), rules(16), std::string(7, 'd')},
        RewriteCase{"LongAndIllegal", "", std::string(70, '.'), rules(), std::string(55, '_')}),
    [](const auto& pi) { return std::string(pi.param.name); });

TEST(ExposedName, IsDeterministic) {
  const std::string a = exposed_name("srv", std::string(200, 'x') + ".y", rules());
  const std::string b = exposed_name("srv", std::string(200, 'x') + ".y", rules());
  EXPECT_EQ(a, b);
}

TEST(ExposedName, DistinctLongNamesWithCommonHeadStayDistinct) {
  // Names that only differ after the cut point must still differ after the rewrite.
  std::set<std::string> seen;
  const std::string head(100, 'h');
  for (int i = 0; i < 1000; ++i) {
    const std::string got = exposed_name("srv", head + std::to_string(i), rules());
    EXPECT_LE(got.size(), 64u);
    EXPECT_TRUE(seen.insert(got).second) << "collision at " << i << ": " << got;
  }
}

TEST(ExposedName, NamesThatOnlyDifferInIllegalCharactersStayDistinct) {
  // "a.b" and "a/b" both become "a_b..." but the hash is of the original.
  const std::string dot = exposed_name("", "a.b", rules());
  const std::string slash = exposed_name("", "a/b", rules());
  const std::string space = exposed_name("", "a b", rules());
  EXPECT_NE(dot, slash);
  EXPECT_NE(dot, space);
  EXPECT_NE(slash, space);
  // And none collides with a legal name that looks like the stem.
  EXPECT_NE(dot, exposed_name("", "a_b", rules()));
}

TEST(ExposedName, PrefixAndSeparatorAreHashedToo) {
  // Same tool name, different servers: different exposed names even when rewritten.
  const std::string tool(100, 't');
  EXPECT_NE(exposed_name("one", tool, rules()), exposed_name("two", tool, rules()));
  EXPECT_NE(exposed_name("one", tool, rules(64, "__")), exposed_name("one", tool, rules(64, "-")));
}

class ExposedNameMaxLength : public testing::TestWithParam<std::size_t> {};

TEST_P(ExposedNameMaxLength, NeverExceedsTheLimit) {
  const std::size_t max = GetParam();
  for (std::size_t len = 1; len <= 3 * max; ++len) {
    for (const std::string& prefix : {std::string(), std::string("srv"), std::string(40, 'p')}) {
      const std::string got = exposed_name(prefix, std::string(len, 'n'), rules(max));
      EXPECT_TRUE(client_safe(got, max)) << "max " << max << " len " << len << ": " << got;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Table, ExposedNameMaxLength,
                         testing::Values(min_name_length_limit, 17, 32, 60, 64, 128));

TEST(ExposedName, StableAcrossReleases) {
  // The mapping must not change between runs or versions: clients cache tool lists. These
  // literals were computed outside the code under test (FNV-1a 64, low 32 bits, in Python).
  EXPECT_EQ(exposed_name("srv", std::string(70, 'x'), rules()),
            "srv__" + std::string(50, 'x') + "_cda2e408");
  EXPECT_EQ(exposed_name("", "files.read", rules()), "files_read_d0376a62");
}

// ---------------------------------------------------------------------------------------------
// is_valid_exposed_name

struct ValidCase {
  std::string name;
  std::size_t max;
  bool valid;
};

class IsValidExposedName : public testing::TestWithParam<ValidCase> {};

TEST_P(IsValidExposedName, Table) {
  const auto& c = GetParam();
  EXPECT_EQ(is_valid_exposed_name(c.name, c.max), c.valid) << '"' << c.name << '"';
}

INSTANTIATE_TEST_SUITE_P(Table, IsValidExposedName,
                         testing::Values(ValidCase{"abc", 64, true}, ValidCase{"A-z_0-9", 64, true},
                                         ValidCase{"", 64, false}, ValidCase{"a.b", 64, false},
                                         ValidCase{"a b", 64, false}, ValidCase{"a@b", 64, false},
                                         ValidCase{"abcd", 4, true}, ValidCase{"abcde", 4, false},
                                         ValidCase{std::string("a\0b", 3), 64, false},
                                         ValidCase{"\xc3\xa9", 64, false}));

}  // namespace
}  // namespace mcp
