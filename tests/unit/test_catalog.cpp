// supervisor/catalog.hpp
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "supervisor/catalog.hpp"

namespace mcp::supervisor {
namespace {

using testing::ElementsAre;
using testing::IsEmpty;
using testing::UnorderedElementsAre;

// A server's lists, built from JSON text.
std::unique_ptr<ServerLists> server(const std::string& name, const std::string& prefix,
                                    const std::string& tools = "[]",
                                    const std::string& prompts = "[]",
                                    const std::string& resources = "[]",
                                    const std::string& templates = "[]", ToolFilter filter = {}) {
  auto s = std::make_unique<ServerLists>();
  s->server = name;
  s->prefix = prefix;
  s->filter = std::move(filter);
  const std::string* texts[] = {&tools, &prompts, &resources, &templates};
  for (ListKind k : all_list_kinds) {
    const auto& text = *texts[static_cast<std::size_t>(k)];
    json::Document doc;
    EXPECT_FALSE(json::parse(text, doc).has_value()) << text;
    s->list(k).replace_with_copy(&doc);
  }
  return s;
}

// Names, for a tools or prompts array given as JSON text.
std::vector<std::string> names(const std::string& array_json, const char* field = "name") {
  json::Document doc;
  EXPECT_FALSE(json::parse(array_json, doc).has_value()) << array_json;
  std::vector<std::string> out;
  if (!doc.IsArray()) return out;
  for (const auto& item : doc.GetArray()) {
    out.emplace_back(json::string_member(item, field).value_or("<missing>"));
  }
  return out;
}

Catalog build(const std::vector<const ServerLists*>& servers, NamingRules rules = {}) {
  Catalog c;
  c.rebuild(servers, rules);
  return c;
}

const char* kTools = R"([{"name":"search","description":"Find things",
                          "inputSchema":{"type":"object","properties":{"q":{"type":"string"}}}},
                         {"name":"fetch","inputSchema":{"type":"object"}}])";

// ---------------------------------------------------------------------------------------------
// Naming

TEST(Catalog, ToolsAndPromptsArePrefixedAndRouted) {
  auto gh = server("github", "github", kTools, R"([{"name":"review","arguments":[]}])");
  const Catalog c = build({gh.get()});
  EXPECT_THAT(names(c.items_json(ListKind::tools)), ElementsAre("github__search", "github__fetch"));
  EXPECT_THAT(names(c.items_json(ListKind::prompts)), ElementsAre("github__review"));

  const Route* r = c.tool("github__search");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->server, "github");
  EXPECT_EQ(r->original, "search");
  EXPECT_EQ(c.tool("search"), nullptr);
  EXPECT_EQ(c.tool("github__review"), nullptr) << "prompts are not tools";

  const Route* p = c.prompt("github__review");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->server, "github");
  EXPECT_EQ(p->original, "review");
}

TEST(Catalog, RenamingKeepsEveryOtherField) {
  auto gh = server("github", "gh", kTools);
  const Catalog c = build({gh.get()});
  json::Document doc;
  ASSERT_FALSE(json::parse(c.items_json(ListKind::tools), doc));
  ASSERT_EQ(doc.Size(), 2u);
  EXPECT_EQ(json::to_string(doc[0]),
            R"({"name":"gh__search","description":"Find things",)"
            R"("inputSchema":{"type":"object","properties":{"q":{"type":"string"}}}})");
  // The server's own lists are untouched.
  EXPECT_EQ(*json::string_member((*gh->list(ListKind::tools))[0], "name"), "search");
}

TEST(Catalog, EmptyPrefixExposesOriginalNames) {
  auto s = server("fs", "", kTools);
  const Catalog c = build({s.get()});
  EXPECT_THAT(names(c.items_json(ListKind::tools)), ElementsAre("search", "fetch"));
  ASSERT_NE(c.tool("search"), nullptr);
  EXPECT_EQ(c.tool("search")->original, "search");
}

TEST(Catalog, NamingRulesApply) {
  NamingRules rules;
  rules.separator = "-";
  rules.max_length = 16;
  auto s = server("srv", "srv", R"([{"name":"short"},{"name":"a_rather_long_tool_name"},
                                    {"name":"dotted.name"}])");
  const Catalog c = build({s.get()}, rules);
  const auto got = names(c.items_json(ListKind::tools));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "srv-short");
  EXPECT_EQ(got[1], exposed_name("srv", "a_rather_long_tool_name", rules));
  EXPECT_EQ(got[2], exposed_name("srv", "dotted.name", rules));
  for (const auto& n : got) {
    EXPECT_TRUE(is_valid_exposed_name(n, 16)) << n;
    ASSERT_NE(c.tool(n), nullptr) << n;
  }
  EXPECT_EQ(c.tool(got[1])->original, "a_rather_long_tool_name");
  EXPECT_EQ(c.tool(got[2])->original, "dotted.name");
}

TEST(Catalog, ItemsWithoutANameAreSkipped) {
  auto s = server("s", "s", R"([{"description":"no name"},{"name":5},{"name":"ok"}])",
                  R"([{"name":null},{"name":"p"}])");
  const Catalog c = build({s.get()});
  EXPECT_THAT(names(c.items_json(ListKind::tools)), ElementsAre("s__ok"));
  EXPECT_THAT(names(c.items_json(ListKind::prompts)), ElementsAre("s__p"));
  EXPECT_EQ(c.count(ListKind::tools, "s"), 1u);
}

// ---------------------------------------------------------------------------------------------
// Filters

struct FilterCase {
  const char* name;
  ToolFilter filter;
  std::vector<std::string> exposed;
};

class CatalogFilter : public testing::TestWithParam<FilterCase> {};

TEST_P(CatalogFilter, Table) {
  const auto& f = GetParam();
  auto s = server("s", "s", R"([{"name":"read"},{"name":"write"},{"name":"delete"}])",
                  R"([{"name":"write"}])", "[]", "[]", f.filter);
  const Catalog c = build({s.get()});
  EXPECT_EQ(names(c.items_json(ListKind::tools)), f.exposed);
  EXPECT_EQ(c.count(ListKind::tools, "s"), f.exposed.size());
  for (const char* t : {"read", "write", "delete"}) {
    const bool listed =
        std::find(f.exposed.begin(), f.exposed.end(), std::string("s__") + t) != f.exposed.end();
    EXPECT_EQ(c.tool(std::string("s__") + t) != nullptr, listed)
        << t << ": a filtered tool must not be callable either";
  }
  // The filter is about tools; prompts are never filtered by it.
  EXPECT_THAT(names(c.items_json(ListKind::prompts)), ElementsAre("s__write"));
}

INSTANTIATE_TEST_SUITE_P(
    Table, CatalogFilter,
    testing::Values(FilterCase{"None", {}, {"s__read", "s__write", "s__delete"}},
                    FilterCase{"Allow", {{"read"}, {}}, {"s__read"}},
                    FilterCase{"AllowTwo", {{"delete", "read"}, {}}, {"s__read", "s__delete"}},
                    FilterCase{"Deny", {{}, {"delete"}}, {"s__read", "s__write"}},
                    FilterCase{"DenyWinsOverAllow", {{"read", "delete"}, {"delete"}}, {"s__read"}},
                    FilterCase{"AllowUnknownOnly", {{"nothing"}, {}}, {}},
                    FilterCase{"FilterUsesBackendNameNotExposedName", {{"s__read"}, {}}, {}}),
    [](const auto& pi) { return std::string(pi.param.name); });

// ---------------------------------------------------------------------------------------------
// Collisions

TEST(CatalogCollision, FirstServerKeepsTheNameLaterOnesGetAQualifiedOne) {
  auto a = server("alpha", "", R"([{"name":"search"},{"name":"only_a"}])");
  auto b = server("beta", "", R"([{"name":"search"}])");
  auto g = server("gamma", "", R"([{"name":"search"}])");
  const Catalog c = build({a.get(), b.get(), g.get()});

  const auto got = names(c.items_json(ListKind::tools));
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], "search");
  EXPECT_EQ(got[1], "only_a");
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 4u) << "names must be unique";

  ASSERT_NE(c.tool("search"), nullptr);
  EXPECT_EQ(c.tool("search")->server, "alpha");
  for (std::size_t i : {2u, 3u}) {
    EXPECT_TRUE(is_valid_exposed_name(got[i], 64)) << got[i];
    ASSERT_NE(c.tool(got[i]), nullptr) << got[i];
    EXPECT_EQ(c.tool(got[i])->original, "search");
  }
  EXPECT_EQ(c.tool(got[2])->server, "beta");
  EXPECT_EQ(c.tool(got[3])->server, "gamma");
  EXPECT_EQ(c.count(ListKind::tools, "alpha"), 2u);
  EXPECT_EQ(c.count(ListKind::tools, "beta"), 1u);
  EXPECT_EQ(c.count(ListKind::tools, "gamma"), 1u);
  EXPECT_EQ(c.total(ListKind::tools), 4u);
}

TEST(CatalogCollision, QualifiedNamesAreStableAcrossRebuilds) {
  auto a = server("alpha", "", R"([{"name":"search"}])");
  auto b = server("beta", "", R"([{"name":"search"}])");
  const Catalog first = build({a.get(), b.get()});
  const Catalog second = build({a.get(), b.get()});
  EXPECT_EQ(first.items_json(ListKind::tools), second.items_json(ListKind::tools));
}

TEST(CatalogCollision, PromptsCollideSeparatelyFromTools) {
  // A tool and a prompt may share an exposed name: they are different namespaces.
  auto a = server("alpha", "", R"([{"name":"x"}])", R"([{"name":"x"}])");
  auto b = server("beta", "", "[]", R"([{"name":"x"}])");
  const Catalog c = build({a.get(), b.get()});
  EXPECT_THAT(names(c.items_json(ListKind::tools)), ElementsAre("x"));
  const auto prompts = names(c.items_json(ListKind::prompts));
  ASSERT_EQ(prompts.size(), 2u);
  EXPECT_EQ(prompts[0], "x");
  EXPECT_NE(prompts[1], "x");
  EXPECT_EQ(c.prompt("x")->server, "alpha");
  ASSERT_NE(c.prompt(prompts[1]), nullptr);
  EXPECT_EQ(c.prompt(prompts[1])->server, "beta");
}

TEST(CatalogCollision, PrefixedNameEqualToAnUnprefixedOne) {
  // alpha exposes "beta__x" unprefixed; beta's "x" with prefix "beta" would be the same.
  auto a = server("alpha", "", R"([{"name":"beta__x"}])");
  auto b = server("beta", "beta", R"([{"name":"x"}])");
  const Catalog c = build({a.get(), b.get()});
  const auto got = names(c.items_json(ListKind::tools));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0], got[1]);
  EXPECT_EQ(c.tool("beta__x")->server, "alpha");
  EXPECT_EQ(c.tool(got[1])->server, "beta");
  EXPECT_EQ(c.tool(got[1])->original, "x");
}

// ---------------------------------------------------------------------------------------------
// Resources

class CatalogResources : public testing::Test {
 protected:
  void SetUp() override {
    files_ = server("files", "files", "[]", "[]", R"([{"uri":"file:///etc/motd","name":"motd"}])",
                    R"([{"uriTemplate":"file:///{+path}","name":"any file"}])");
    home_ = server("home", "home", "[]", "[]", R"([{"uri":"file:///home/joe/notes","name":"n"}])",
                   R"([{"uriTemplate":"file:///home/{user}/{+path}","name":"home file"},
                       {"uriTemplate":"{scheme}://anything","name":"no literal prefix"}])");
    db_ = server("db", "db", "[]", "[]", "[]",
                 R"([{"uriTemplate":"postgres://db/{table}","name":"table"},
                     {"name":"no template"}])");
    catalog_.rebuild({db_.get(), files_.get(), home_.get()}, NamingRules{});
  }
  std::unique_ptr<ServerLists> files_, home_, db_;
  Catalog catalog_;
};

struct OwnerCase {
  const char* uri;
  const char* owner;  // nullptr: none
};

class CatalogResourceOwner : public CatalogResources,
                             public testing::WithParamInterface<OwnerCase> {};

TEST_P(CatalogResourceOwner, Table) {
  const auto owner = catalog_.resource_owner(GetParam().uri);
  if (GetParam().owner == nullptr) {
    EXPECT_FALSE(owner.has_value()) << *owner;
  } else {
    EXPECT_EQ(owner, GetParam().owner);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, CatalogResourceOwner,
    testing::Values(OwnerCase{"file:///etc/motd", "files"},  // listed
                    OwnerCase{"file:///home/joe/notes",
                              "home"},  // listed (also matches both templates)
                    OwnerCase{"file:///home/ann/todo.txt", "home"},  // longest template prefix
                    OwnerCase{"file:///home/", "home"},              // prefix itself
                    OwnerCase{"file:///homework/x", "files"},  // only the shorter prefix matches
                    OwnerCase{"file:///etc/passwd", "files"},  // template
                    OwnerCase{"postgres://db/users", "db"},    // template of another server
                    OwnerCase{"postgres://other/users", nullptr},  // no match
                    OwnerCase{"http://anything", nullptr},  // template with no literal prefix
                    OwnerCase{"file://", nullptr},          // shorter than every prefix
                    OwnerCase{"", nullptr}));

TEST_F(CatalogResources, TemplateOwnerByExactTemplate) {
  EXPECT_EQ(catalog_.template_owner("file:///home/{user}/{+path}"), "home");
  EXPECT_EQ(catalog_.template_owner("file:///{+path}"), "files");
  EXPECT_EQ(catalog_.template_owner("postgres://db/{table}"), "db");
  EXPECT_FALSE(catalog_.template_owner("file:///home/joe/notes").has_value());
  EXPECT_FALSE(catalog_.template_owner("postgres://db/").has_value());
}

TEST_F(CatalogResources, ResourcesAreListedUnchangedInServerOrder) {
  EXPECT_THAT(names(catalog_.items_json(ListKind::resources), "uri"),
              ElementsAre("file:///etc/motd", "file:///home/joe/notes"));
  EXPECT_THAT(names(catalog_.items_json(ListKind::resource_templates), "uriTemplate"),
              ElementsAre("postgres://db/{table}", "file:///{+path}", "file:///home/{user}/{+path}",
                          "{scheme}://anything"));
  // Resource names are not prefixed: clients address resources by URI.
  EXPECT_THAT(names(catalog_.items_json(ListKind::resources)), ElementsAre("motd", "n"));
}

TEST_F(CatalogResources, Counts) {
  EXPECT_EQ(catalog_.count(ListKind::resources, "files"), 1u);
  EXPECT_EQ(catalog_.count(ListKind::resources, "home"), 1u);
  EXPECT_EQ(catalog_.count(ListKind::resources, "db"), 0u);
  EXPECT_EQ(catalog_.count(ListKind::resource_templates, "home"), 2u);
  EXPECT_EQ(catalog_.count(ListKind::resource_templates, "db"), 1u) << "item without template";
  EXPECT_EQ(catalog_.count(ListKind::tools, "home"), 0u);
  EXPECT_EQ(catalog_.count(ListKind::tools, "nobody"), 0u);
  EXPECT_EQ(catalog_.total(ListKind::resources), 2u);
  EXPECT_EQ(catalog_.total(ListKind::resource_templates), 4u);
  EXPECT_EQ(catalog_.total(ListKind::tools), 0u);
}

TEST(CatalogResourceOwnerTies, EqualPrefixesGoToTheFirstServer) {
  auto a = server("a", "a", "[]", "[]", "[]", R"([{"uriTemplate":"mem://{key}"}])");
  auto b = server("b", "b", "[]", "[]", "[]", R"([{"uriTemplate":"mem://{id}/x"}])");
  const Catalog c = build({a.get(), b.get()});
  EXPECT_EQ(c.resource_owner("mem://k"), "a");
}

// ---------------------------------------------------------------------------------------------
// Rebuild

TEST(Catalog, RebuildReplacesEverything) {
  auto a = server("a", "a", R"([{"name":"t"}])", R"([{"name":"p"}])", R"([{"uri":"x://1"}])",
                  R"([{"uriTemplate":"y://{z}"}])");
  auto b = server("b", "b", R"([{"name":"u"}])");
  Catalog c;
  c.rebuild({a.get()}, NamingRules{});
  ASSERT_NE(c.tool("a__t"), nullptr);
  c.rebuild({b.get()}, NamingRules{});
  EXPECT_EQ(c.tool("a__t"), nullptr);
  EXPECT_EQ(c.prompt("a__p"), nullptr);
  EXPECT_FALSE(c.resource_owner("x://1").has_value());
  EXPECT_FALSE(c.resource_owner("y://q").has_value());
  EXPECT_FALSE(c.template_owner("y://{z}").has_value());
  EXPECT_EQ(c.count(ListKind::tools, "a"), 0u);
  EXPECT_THAT(names(c.items_json(ListKind::tools)), ElementsAre("b__u"));
  EXPECT_EQ(c.items_json(ListKind::prompts), "[]");

  c.rebuild({}, NamingRules{});
  for (ListKind k : all_list_kinds) {
    EXPECT_EQ(c.total(k), 0u);
    EXPECT_EQ(c.items_json(k), "[]");
  }
}

// ---------------------------------------------------------------------------------------------
// list_result

class CatalogPaging : public testing::Test {
 protected:
  void SetUp() override {
    std::string tools = "[";
    for (int i = 0; i < 5; ++i) {
      if (i) tools += ',';
      tools += R"({"name":"t)" + std::to_string(i) + R"("})";
    }
    tools += "]";
    s_ = server("s", "", tools);
    catalog_.rebuild({s_.get()}, NamingRules{});
  }

  // Parses a list result; returns the item names and the cursor ("" when absent).
  std::pair<std::vector<std::string>, std::string> page(ListKind kind, const std::string& cursor,
                                                        std::size_t size) {
    const auto text = catalog_.list_result(kind, cursor, size);
    EXPECT_TRUE(text.has_value()) << "cursor " << cursor;
    if (!text) return {};
    json::Document doc;
    EXPECT_FALSE(json::parse(*text, doc).has_value()) << *text;
    const json::Value* arr = json::array_member(doc, list_result_member(kind));
    EXPECT_NE(arr, nullptr) << *text;
    std::vector<std::string> got;
    if (arr != nullptr) got = names(json::to_string(*arr));
    const json::Value* next = json::member(doc, "nextCursor");
    if (next != nullptr) {
      EXPECT_TRUE(next->IsString()) << *text;
    }
    return {got, next != nullptr && next->IsString() ? next->GetString() : ""};
  }

  std::unique_ptr<ServerLists> s_;
  Catalog catalog_;
};

TEST_F(CatalogPaging, PagesInOrder) {
  auto [p1, c1] = page(ListKind::tools, "", 2);
  EXPECT_THAT(p1, ElementsAre("t0", "t1"));
  ASSERT_FALSE(c1.empty());
  auto [p2, c2] = page(ListKind::tools, c1, 2);
  EXPECT_THAT(p2, ElementsAre("t2", "t3"));
  ASSERT_FALSE(c2.empty());
  auto [p3, c3] = page(ListKind::tools, c2, 2);
  EXPECT_THAT(p3, ElementsAre("t4"));
  EXPECT_EQ(c3, "") << "the last page has no nextCursor";
}

TEST_F(CatalogPaging, EveryPageSizeWalksAllItemsOnce) {
  for (std::size_t size = 1; size <= 7; ++size) {
    std::vector<std::string> all;
    std::string cursor;
    int pages = 0;
    do {
      auto [items, next] = page(ListKind::tools, cursor, size);
      all.insert(all.end(), items.begin(), items.end());
      cursor = next;
      ASSERT_LT(++pages, 10) << "paging does not end for size " << size;
    } while (!cursor.empty());
    EXPECT_THAT(all, ElementsAre("t0", "t1", "t2", "t3", "t4")) << "size " << size;
    EXPECT_EQ(pages, static_cast<int>((5 + size - 1) / size)) << "size " << size;
  }
}

TEST_F(CatalogPaging, ExactFitHasNoCursor) {
  const auto text = catalog_.list_result(ListKind::tools, "", 5);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->find("nextCursor"), std::string::npos) << *text;
}

TEST_F(CatalogPaging, EmptyListsUseTheRightMember) {
  EXPECT_EQ(catalog_.list_result(ListKind::prompts, "", 10), R"({"prompts":[]})");
  EXPECT_EQ(catalog_.list_result(ListKind::resources, "", 10), R"({"resources":[]})");
  EXPECT_EQ(catalog_.list_result(ListKind::resource_templates, "", 10),
            R"({"resourceTemplates":[]})");
}

TEST_F(CatalogPaging, CursorAtTheEndGivesAnEmptyLastPage) {
  auto [items, next] = page(ListKind::tools, "5", 2);
  EXPECT_THAT(items, IsEmpty());
  EXPECT_EQ(next, "");
}

class CatalogInvalidCursor : public CatalogPaging,
                             public testing::WithParamInterface<const char*> {};

TEST_P(CatalogInvalidCursor, IsRejected) {
  EXPECT_FALSE(catalog_.list_result(ListKind::tools, GetParam(), 2).has_value())
      << "cursor \"" << GetParam() << "\"";
}

INSTANTIATE_TEST_SUITE_P(Table, CatalogInvalidCursor,
                         testing::Values("6", "100", "-1", "abc", "1.5", " 2", "2 ", "0x2",
                                         "99999999999999999999999999999999", "+1"));

}  // namespace
}  // namespace mcp::supervisor
