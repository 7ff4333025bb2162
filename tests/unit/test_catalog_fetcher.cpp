// worker/catalog_fetcher.hpp, driven by a fake backend that answers its requests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "protocol/jsonrpc.hpp"
#include "worker/catalog_fetcher.hpp"

namespace mcp::worker {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;

json::Document parse(const std::string& text) {
  json::Document doc;
  const auto err = json::parse(text, doc);
  EXPECT_FALSE(err.has_value()) << text;
  return doc;
}

std::string init_result(const std::string& capabilities) {
  return R"({"protocolVersion":"2025-06-18","capabilities":)" + capabilities +
         R"(,"serverInfo":{"name":"fake","version":"1.0"},"instructions":"Be nice."})";
}

std::string ok_init(const std::string& capabilities) {
  return "\"result\":" + init_result(capabilities);
}

// A scripted MCP server. initialize is answered with init_answer (the members after "id");
// each list method has pages of items (JSON arrays as text); a method given an error code
// answers that error instead.
class FakeBackend {
 public:
  explicit FakeBackend(std::string init = ok_init("{}")) : init_answer(std::move(init)) {
    pages["tools/list"] = {R"([{"name":"t1","inputSchema":{"type":"object"}}])"};
    pages["prompts/list"] = {R"([{"name":"p1"}])"};
    pages["resources/list"] = {R"([{"uri":"mem://r1","name":"r1"}])"};
    pages["resources/templates/list"] = {R"([{"uriTemplate":"mem://{k}","name":"tpl"}])"};
  }

  std::string init_answer;
  std::map<std::string, std::vector<std::string>> pages;  // method -> pages
  std::map<std::string, int> errors;                      // method -> error code
  std::vector<std::string> requests;                      // "method" or "method cursor=X"
  std::vector<std::string> notifications;

  // Answers one frame the fetcher sent; returns the response text, or "" for a notification.
  std::string answer(const std::string& frame) {
    json::Document msg = parse(frame);
    const auto c = jsonrpc::classify(msg);
    EXPECT_NE(c.kind, jsonrpc::Kind::invalid) << frame << ": " << c.reason;
    const std::string method(c.method);
    if (c.kind == jsonrpc::Kind::notification) {
      notifications.push_back(method);
      return "";
    }
    EXPECT_EQ(c.kind, jsonrpc::Kind::request) << frame;
    EXPECT_TRUE(msg["id"].IsString()) << "the worker's own ids are strings: " << frame;
    const std::string id = jsonrpc::id_text(msg);
    std::string cursor;
    if (const json::Value* params = json::object_member(msg, "params")) {
      cursor = std::string(json::string_member(*params, "cursor").value_or(""));
    }
    requests.push_back(cursor.empty() ? method : method + " cursor=" + cursor);
    if (method == "initialize") return R"({"jsonrpc":"2.0","id":)" + id + "," + init_answer + "}";
    if (auto e = errors.find(method); e != errors.end()) {
      return jsonrpc::error_response(id, e->second, "nope");
    }
    auto p = pages.find(method);
    if (p == pages.end()) {
      ADD_FAILURE() << "unexpected request " << frame;
      return jsonrpc::error_response(id, jsonrpc::code::method_not_found, "Method not found");
    }
    // Cursors are "page-N"; the first page has none.
    std::size_t index = 0;
    if (!cursor.empty()) index = std::stoul(cursor.substr(5));
    EXPECT_LT(index, p->second.size()) << frame;
    std::string result = "{\"" + member_of(method) + "\":" + p->second.at(index);
    if (index + 1 < p->second.size()) {
      result += ",\"nextCursor\":\"page-" + std::to_string(index + 1) + "\"";
    }
    result += "}";
    return jsonrpc::result_response(id, result);
  }

  static std::string member_of(const std::string& method) {
    for (ListKind k : all_list_kinds) {
      if (list_method(k) == method) return list_result_member(k);
    }
    return "?";
  }
};

// What a run of the fetcher against a backend produced.
struct Outcome {
  std::vector<ListKind> finished;
  std::vector<std::string> errors;
  int initialized = 0;
};

// Sends the queued frames to the backend and its answers to the fetcher until nothing is left.
void drain(CatalogFetcher& f, FakeBackend& b, std::deque<std::string> queue, Outcome& run) {
  int guard = 100000;
  while (!queue.empty() && guard-- > 0) {
    const std::string frame = queue.front();
    queue.pop_front();
    const std::string reply = b.answer(frame);
    if (reply.empty()) continue;
    json::Document msg = parse(reply);
    EXPECT_TRUE(CatalogFetcher::is_ours(msg)) << reply;
    const auto step = f.on_response(msg);
    if (step.initialized) ++run.initialized;
    if (step.finished) run.finished.push_back(*step.finished);
    if (step.error) run.errors.push_back(*step.error);
    for (const auto& s : step.send) queue.push_back(s);
  }
  EXPECT_GT(guard, 0) << "did not settle";
}

Outcome start(CatalogFetcher& f, FakeBackend& b) {
  Outcome run;
  drain(f, b, {f.initialize_request("2025-06-18")}, run);
  return run;
}

// The fetcher's answer to initialize with the given capabilities, fed directly.
CatalogFetcher::Step feed_init(CatalogFetcher& f, const std::string& capabilities) {
  json::Document init =
      parse(R"({"jsonrpc":"2.0","id":"mcproxy:init","result":)" + init_result(capabilities) + "}");
  return f.on_response(init);
}

// Lets the backend answer one frame and feeds the answer to the fetcher.
CatalogFetcher::Step exchange(CatalogFetcher& f, FakeBackend& b, const std::string& frame) {
  json::Document answer = parse(b.answer(frame));
  return f.on_response(answer);
}

// ---------------------------------------------------------------------------------------------
// The initialize request

TEST(CatalogFetcher, InitializeRequestIsAValidRequest) {
  CatalogFetcher f;
  json::Document msg = parse(f.initialize_request("2025-03-26"));
  const auto c = jsonrpc::classify(msg);
  EXPECT_EQ(c.kind, jsonrpc::Kind::request);
  EXPECT_EQ(c.method, "initialize");
  ASSERT_TRUE(msg["id"].IsString());
  EXPECT_EQ(std::string(msg["id"].GetString()).rfind("mcproxy:", 0), 0u);
  const json::Value* params = json::object_member(msg, "params");
  ASSERT_NE(params, nullptr);
  EXPECT_EQ(json::string_member(*params, "protocolVersion"), "2025-03-26");
  EXPECT_NE(json::object_member(*params, "capabilities"), nullptr);
  const json::Value* info = json::object_member(*params, "clientInfo");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(json::string_member(*info, "name"), "mcproxy");
  EXPECT_TRUE(json::string_member(*info, "version").has_value());
}

TEST(CatalogFetcher, InitializeRequestEscapesTheVersion) {
  CatalogFetcher f;
  json::Document msg = parse(f.initialize_request("x\"y\n"));
  EXPECT_EQ(json::string_member(msg["params"], "protocolVersion"), "x\"y\n");
}

struct OursCase {
  const char* message;
  bool ours;
};

class CatalogFetcherIsOurs : public testing::TestWithParam<OursCase> {};

TEST_P(CatalogFetcherIsOurs, Table) {
  json::Document msg = parse(GetParam().message);
  EXPECT_EQ(CatalogFetcher::is_ours(msg), GetParam().ours) << GetParam().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, CatalogFetcherIsOurs,
    testing::Values(
        OursCase{R"({"jsonrpc":"2.0","id":"mcproxy:init","result":{}})", true},
        OursCase{R"({"jsonrpc":"2.0","id":"mcproxy:list:7","error":{"code":1,"message":"m"}})",
                 true},
        OursCase{R"({"jsonrpc":"2.0","id":1,"result":{}})", false},  // the supervisor's ids
        OursCase{R"({"jsonrpc":"2.0","id":"1","result":{}})", false},
        OursCase{R"({"jsonrpc":"2.0","id":"mcproxy","result":{}})", false},
        OursCase{R"({"jsonrpc":"2.0","id":"MCPROXY:init","result":{}})", false},
        // A request the backend makes of us, whatever its id.
        OursCase{R"({"jsonrpc":"2.0","id":"mcproxy:1","method":"roots/list"})", false},
        OursCase{R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})", false}));

// ---------------------------------------------------------------------------------------------
// Handshake and lists

struct CapabilityCase {
  const char* name;
  std::string capabilities;
  std::vector<std::string> requests;  // after initialize
};

class CatalogFetcherCapabilities : public testing::TestWithParam<CapabilityCase> {};

TEST_P(CatalogFetcherCapabilities, AsksOnlyForAnnouncedLists) {
  const auto& c = GetParam();
  CatalogFetcher f;
  FakeBackend b(ok_init(c.capabilities));
  const Outcome run = start(f, b);
  EXPECT_THAT(run.errors, IsEmpty());
  EXPECT_EQ(run.initialized, 1);
  EXPECT_THAT(b.notifications, ElementsAre("notifications/initialized"));
  std::vector<std::string> expected = {"initialize"};
  expected.insert(expected.end(), c.requests.begin(), c.requests.end());
  EXPECT_EQ(b.requests, expected);
  EXPECT_TRUE(f.initialized());
  EXPECT_TRUE(f.complete());
}

INSTANTIATE_TEST_SUITE_P(
    Table, CatalogFetcherCapabilities,
    testing::Values(CapabilityCase{"None", "{}", {}}, CapabilityCase{"NotAnObject", "null", {}},
                    CapabilityCase{"Tools", R"({"tools":{"listChanged":true}})", {"tools/list"}},
                    CapabilityCase{"Prompts", R"({"prompts":{}})", {"prompts/list"}},
                    CapabilityCase{"Resources",
                                   R"({"resources":{"subscribe":true}})",
                                   {"resources/list", "resources/templates/list"}},
                    CapabilityCase{"LoggingIsNotAList", R"({"logging":{},"completions":{}})", {}},
                    CapabilityCase{"All",
                                   R"({"tools":{},"prompts":{},"resources":{},"logging":{}})",
                                   {"tools/list", "prompts/list", "resources/list",
                                    "resources/templates/list"}}),
    [](const auto& pi) { return std::string(pi.param.name); });

TEST(CatalogFetcher, InitializedNotificationComesBeforeAnyListRequest) {
  CatalogFetcher f;
  const auto step = feed_init(f, R"({"tools":{},"prompts":{}})");
  EXPECT_TRUE(step.initialized);
  EXPECT_FALSE(step.error.has_value());
  ASSERT_EQ(step.send.size(), 3u);
  json::Document first = parse(step.send[0]);
  const auto c = jsonrpc::classify(first);
  EXPECT_EQ(c.kind, jsonrpc::Kind::notification);
  EXPECT_EQ(c.method, "notifications/initialized");
  EXPECT_FALSE(f.complete()) << "lists are still in flight";
}

TEST(CatalogFetcher, CompleteOnlyAfterTheLastList) {
  CatalogFetcher f;
  const auto step = feed_init(f, R"({"tools":{},"prompts":{}})");
  ASSERT_EQ(step.send.size(), 3u);
  FakeBackend b;
  const auto s1 = exchange(f, b, step.send[1]);
  EXPECT_EQ(s1.finished, ListKind::tools);
  EXPECT_FALSE(f.complete());
  const auto s2 = exchange(f, b, step.send[2]);
  EXPECT_EQ(s2.finished, ListKind::prompts);
  EXPECT_TRUE(f.complete());
}

TEST(CatalogFetcher, AnswersInAnyOrder) {
  CatalogFetcher f;
  const auto step = feed_init(f, R"({"tools":{},"resources":{}})");
  ASSERT_EQ(step.send.size(), 4u);
  FakeBackend b;
  std::vector<ListKind> finished;
  for (std::size_t i : {3u, 1u, 2u}) {
    const auto s = exchange(f, b, step.send[i]);
    ASSERT_TRUE(s.finished.has_value());
    finished.push_back(*s.finished);
  }
  EXPECT_THAT(finished,
              ElementsAre(ListKind::resource_templates, ListKind::tools, ListKind::resources));
  EXPECT_TRUE(f.complete());
}

// ---------------------------------------------------------------------------------------------
// Pagination

TEST(CatalogFetcher, FollowsNextCursorAcrossPages) {
  CatalogFetcher f;
  FakeBackend b(ok_init(R"({"tools":{}})"));
  b.pages["tools/list"] = {R"([{"name":"a"},{"name":"b"}])", R"([{"name":"c"}])", "[]",
                           R"([{"name":"d"}])"};
  const Outcome run = start(f, b);
  EXPECT_THAT(run.errors, IsEmpty());
  EXPECT_THAT(b.requests, ElementsAre("initialize", "tools/list", "tools/list cursor=page-1",
                                      "tools/list cursor=page-2", "tools/list cursor=page-3"));
  EXPECT_THAT(run.finished, ElementsAre(ListKind::tools)) << "finished once, after the last page";
  EXPECT_EQ(f.list_params(ListKind::tools),
            R"({"kind":"tools","items":[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d"}]})");
  EXPECT_TRUE(f.complete());
}

TEST(CatalogFetcher, NotCompleteWhileAPageIsOutstanding) {
  CatalogFetcher f;
  const auto step = feed_init(f, R"({"tools":{}})");
  ASSERT_EQ(step.send.size(), 2u);
  FakeBackend b;
  b.pages["tools/list"] = {R"([{"name":"a"}])", R"([{"name":"b"}])"};
  const auto s1 = exchange(f, b, step.send[1]);
  EXPECT_FALSE(s1.finished.has_value());
  ASSERT_EQ(s1.send.size(), 1u);
  EXPECT_FALSE(f.complete());
  EXPECT_EQ(exchange(f, b, s1.send[0]).finished, ListKind::tools);
  EXPECT_TRUE(f.complete());
}

TEST(CatalogFetcher, EmptyNextCursorEndsTheList) {
  CatalogFetcher f;
  const auto step = feed_init(f, R"({"tools":{}})");
  ASSERT_EQ(step.send.size(), 2u);
  json::Document req = parse(step.send[1]);
  json::Document answer = parse(jsonrpc::result_response(
      jsonrpc::id_text(req), R"({"tools":[{"name":"x"}],"nextCursor":""})"));
  const auto s = f.on_response(answer);
  EXPECT_EQ(s.finished, ListKind::tools);
  EXPECT_THAT(s.send, IsEmpty());
}

TEST(CatalogFetcher, EndlessPagingIsCutOff) {
  CatalogFetcher f;
  auto step = feed_init(f, R"({"tools":{}})");
  ASSERT_EQ(step.send.size(), 2u);
  std::string pending = step.send[1];
  int requests = 1;
  for (; requests < 100000; ++requests) {
    json::Document req = parse(pending);
    json::Document answer = parse(jsonrpc::result_response(
        jsonrpc::id_text(req), R"({"tools":[{"name":"x"}],"nextCursor":"again"})"));
    const auto s = f.on_response(answer);
    if (s.finished) break;
    ASSERT_EQ(s.send.size(), 1u);
    pending = s.send[0];
  }
  EXPECT_LE(requests, 1000);
  EXPECT_GE(requests, 10);
  EXPECT_TRUE(f.complete());
}

TEST(CatalogFetcher, NonObjectItemsAreDropped) {
  CatalogFetcher f;
  FakeBackend b(ok_init(R"({"prompts":{}})"));
  b.pages["prompts/list"] = {R"([{"name":"a"}, 5, "x", null, [], {"name":"b"}])"};
  start(f, b);
  EXPECT_EQ(f.list_params(ListKind::prompts),
            R"({"kind":"prompts","items":[{"name":"a"},{"name":"b"}]})");
}

TEST(CatalogFetcher, ResultWithoutTheListMemberIsAnEmptyList) {
  CatalogFetcher f;
  FakeBackend b(ok_init(R"({"prompts":{}})"));
  b.pages["prompts/list"] = {"[]"};
  start(f, b);
  EXPECT_EQ(f.list_params(ListKind::prompts), R"({"kind":"prompts","items":[]})");
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST(CatalogFetcher, MethodNotFoundForTemplatesIsAnEmptyList) {
  CatalogFetcher f;
  FakeBackend b(ok_init(R"({"resources":{}})"));
  b.errors["resources/templates/list"] = jsonrpc::code::method_not_found;
  const Outcome run = start(f, b);
  EXPECT_THAT(run.errors, IsEmpty());
  EXPECT_THAT(run.finished, ElementsAre(ListKind::resources, ListKind::resource_templates));
  EXPECT_TRUE(f.complete());
  EXPECT_EQ(f.list_params(ListKind::resource_templates),
            R"({"kind":"resourceTemplates","items":[]})");
  EXPECT_EQ(f.list_params(ListKind::resources),
            R"({"kind":"resources","items":[{"uri":"mem://r1","name":"r1"}]})");
}

struct InitFailureCase {
  const char* name;
  std::string answer;  // the member(s) after "id"
  std::string error_part;
};

class CatalogFetcherInitFailure : public testing::TestWithParam<InitFailureCase> {};

TEST_P(CatalogFetcherInitFailure, GivesUp) {
  const auto& c = GetParam();
  CatalogFetcher f;
  FakeBackend b(c.answer);
  const Outcome run = start(f, b);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_THAT(run.errors[0], HasSubstr(c.error_part));
  EXPECT_EQ(run.initialized, 0);
  EXPECT_FALSE(f.initialized());
  EXPECT_FALSE(f.complete());
  EXPECT_THAT(b.requests, ElementsAre("initialize")) << "nothing is sent after a failure";
  EXPECT_THAT(b.notifications, IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, CatalogFetcherInitFailure,
    testing::Values(
        InitFailureCase{"Error", R"("error":{"code":-32603,"message":"backend exploded"})",
                        "initialize failed: backend exploded"},
        InitFailureCase{"ErrorWithoutMessage", R"("error":{"code":-32603})",
                        "initialize failed: (no message)"},
        InitFailureCase{"NoResult", R"("foo":1)", "initialize answered without a result object"},
        InitFailureCase{"ResultNotObject", R"("result":"ok")",
                        "initialize answered without a result object"},
        InitFailureCase{"NoProtocolVersion", R"("result":{"capabilities":{"tools":{}}})",
                        "initialize result has no protocolVersion"},
        InitFailureCase{"ProtocolVersionNotString",
                        R"("result":{"protocolVersion":20250618,"capabilities":{}})",
                        "initialize result has no protocolVersion"}),
    [](const auto& pi) { return std::string(pi.param.name); });

TEST(CatalogFetcher, ListAnswerWithoutResultOrErrorIsAFailure) {
  CatalogFetcher f;
  const auto step = feed_init(f, R"({"tools":{}})");
  ASSERT_EQ(step.send.size(), 2u);
  json::Document req = parse(step.send[1]);
  json::Document answer =
      parse(R"({"jsonrpc":"2.0","id":)" + jsonrpc::id_text(req) + R"(,"result":[]})");
  const auto s = f.on_response(answer);
  ASSERT_TRUE(s.error.has_value());
  EXPECT_THAT(*s.error, HasSubstr("tools/list answered without a result"));
}

TEST(CatalogFetcher, UnknownIdIsIgnored) {
  CatalogFetcher f;
  FakeBackend b(ok_init(R"({"tools":{}})"));
  start(f, b);
  const std::string before = f.ready_params();
  json::Document stale =
      parse(R"({"jsonrpc":"2.0","id":"mcproxy:list:999","result":{"tools":[]}})");
  const auto s = f.on_response(stale);
  EXPECT_TRUE(s.send.empty());
  EXPECT_FALSE(s.finished.has_value());
  EXPECT_FALSE(s.error.has_value());
  EXPECT_EQ(f.ready_params(), before);
}

// ---------------------------------------------------------------------------------------------
// Refetch

TEST(CatalogFetcher, RefetchBeforeInitializeDoesNothing) {
  CatalogFetcher f;
  EXPECT_TRUE(f.refetch(ListKind::tools).send.empty());
}

TEST(CatalogFetcher, RefetchWhileInFlightIsCoalesced) {
  CatalogFetcher f;
  const auto step = feed_init(f, R"({"tools":{},"prompts":{}})");
  ASSERT_EQ(step.send.size(), 3u);
  EXPECT_TRUE(f.refetch(ListKind::tools).send.empty());
  EXPECT_TRUE(f.refetch(ListKind::tools).send.empty());
  EXPECT_TRUE(f.refetch(ListKind::prompts).send.empty());

  FakeBackend b;
  for (std::size_t i : {1u, 2u}) {
    exchange(f, b, step.send[i]);
  }
  EXPECT_THAT(b.requests, ElementsAre("tools/list", "prompts/list")) << "one request per list";
  EXPECT_TRUE(f.complete());
}

TEST(CatalogFetcher, RefetchWhilePagingIsCoalesced) {
  CatalogFetcher f;
  const auto step = feed_init(f, R"({"tools":{}})");
  FakeBackend b;
  b.pages["tools/list"] = {R"([{"name":"a"}])", R"([{"name":"b"}])"};
  const auto s1 = exchange(f, b, step.send[1]);
  ASSERT_EQ(s1.send.size(), 1u);
  EXPECT_TRUE(f.refetch(ListKind::tools).send.empty());
  EXPECT_EQ(exchange(f, b, s1.send[0]).finished, ListKind::tools);
  EXPECT_EQ(f.list_params(ListKind::tools),
            R"({"kind":"tools","items":[{"name":"a"},{"name":"b"}]})");
}

TEST(CatalogFetcher, RefetchAfterCompletionFetchesTheNewList) {
  CatalogFetcher f;
  FakeBackend b(ok_init(R"({"tools":{},"prompts":{}})"));
  start(f, b);
  ASSERT_TRUE(f.complete());

  b.pages["tools/list"] = {R"([{"name":"new1"}])", R"([{"name":"new2"}])"};
  const auto step = f.refetch(ListKind::tools);
  ASSERT_EQ(step.send.size(), 1u);
  EXPECT_FALSE(f.complete()) << "a list is in flight again";
  Outcome run;
  drain(f, b, {step.send.begin(), step.send.end()}, run);
  EXPECT_THAT(run.finished, ElementsAre(ListKind::tools));
  EXPECT_EQ(f.list_params(ListKind::tools),
            R"({"kind":"tools","items":[{"name":"new1"},{"name":"new2"}]})");
  EXPECT_EQ(f.list_params(ListKind::prompts), R"({"kind":"prompts","items":[{"name":"p1"}]})")
      << "other lists are kept";
  EXPECT_TRUE(f.complete());
}

TEST(CatalogFetcher, RefetchedListReplacesNotAppends) {
  CatalogFetcher f;
  FakeBackend b(ok_init(R"({"tools":{}})"));
  start(f, b);
  for (int i = 0; i < 3; ++i) {
    const auto step = f.refetch(ListKind::tools);
    Outcome run;
    drain(f, b, {step.send.begin(), step.send.end()}, run);
  }
  EXPECT_EQ(f.list_params(ListKind::tools),
            R"({"kind":"tools","items":[{"name":"t1","inputSchema":{"type":"object"}}]})");
}

// ---------------------------------------------------------------------------------------------
// ready_params

TEST(CatalogFetcher, ReadyParamsHoldTheHandshakeAndEveryList) {
  CatalogFetcher f;
  FakeBackend b(ok_init(R"({"tools":{},"prompts":{},"resources":{}})"));
  b.pages["tools/list"] = {R"([{"name":"t1"}])", R"([{"name":"t2"}])"};
  start(f, b);
  ASSERT_TRUE(f.complete());
  json::Document ready = parse(f.ready_params());
  ASSERT_TRUE(ready.IsObject());
  EXPECT_EQ(json::string_member(ready, "protocolVersion"), "2025-06-18");
  EXPECT_EQ(json::string_member(ready, "instructions"), "Be nice.");
  ASSERT_NE(json::object_member(ready, "serverInfo"), nullptr);
  EXPECT_EQ(json::string_member(ready["serverInfo"], "name"), "fake");
  ASSERT_NE(json::object_member(ready, "capabilities"), nullptr);
  EXPECT_NE(json::member(ready["capabilities"], "prompts"), nullptr);

  EXPECT_EQ(json::to_string(ready["tools"]), R"([{"name":"t1"},{"name":"t2"}])");
  EXPECT_EQ(json::to_string(ready["prompts"]), R"([{"name":"p1"}])");
  EXPECT_EQ(json::to_string(ready["resources"]), R"([{"uri":"mem://r1","name":"r1"}])");
  EXPECT_EQ(json::to_string(ready["resourceTemplates"]),
            R"([{"uriTemplate":"mem://{k}","name":"tpl"}])");
}

TEST(CatalogFetcher, ReadyParamsHaveEmptyListsForUnannouncedCapabilities) {
  CatalogFetcher f;
  FakeBackend b(ok_init("{}"));
  start(f, b);
  json::Document ready = parse(f.ready_params());
  for (ListKind k : all_list_kinds) {
    const json::Value* arr = json::array_member(ready, list_result_member(k));
    ASSERT_NE(arr, nullptr) << list_result_member(k);
    EXPECT_EQ(arr->Size(), 0u) << list_result_member(k);
  }
}

TEST(CatalogFetcher, ReadyParamsWithMinimalInitResult) {
  // No serverInfo, no instructions: still one valid JSON object.
  CatalogFetcher f;
  FakeBackend b(R"("result":{"protocolVersion":"2024-11-05"})");
  start(f, b);
  json::Document ready = parse(f.ready_params());
  EXPECT_EQ(json::string_member(ready, "protocolVersion"), "2024-11-05");
  EXPECT_NE(json::array_member(ready, "tools"), nullptr);
}

TEST(CatalogFetcher, ListParamsForAListNeverFetched) {
  CatalogFetcher f;
  EXPECT_EQ(f.list_params(ListKind::resources), R"({"kind":"resources","items":[]})");
}

}  // namespace
}  // namespace mcp::worker
