#include "protocol_tools.hpp"

#include <algorithm>
#include <array>
#include <chrono>

namespace testserver {
namespace {

constexpr std::array<std::string_view, 8> kLogLevels = {"debug", "info",     "notice", "warning",
                                                        "error", "critical", "alert",  "emergency"};
constexpr long long kDefaultAskTimeoutMs = 10000;
constexpr long long kMaxAskTimeoutMs = 600000;
constexpr long long kMaxFloodCount = 1000000;
constexpr long long kMaxFloodBytes = 16LL * 1024 * 1024;

constexpr const char* kRedPixelPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg"
    "==";
constexpr const char* kTinyWav =
    "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YRAAAADAwEBAwMBAQMDAQEDAwEBA";

ToolReply text(std::string value) {
  return ToolResult{std::move(value)};
}

ToolReply failure(std::string message) {
  return ToolResult{std::move(message), true};
}

std::string object_definition(std::string_view name, std::string_view description,
                              std::string_view input_schema) {
  return "{\"name\":\"" + std::string(name) + "\",\"description\":\"" + std::string(description) +
         "\",\"inputSchema\":" + std::string(input_schema) + "}";
}

constexpr const char* kNoArguments = R"({"type":"object","properties":{}})";

void empty_object(JsonWriter& writer) {
  writer.StartObject();
  writer.EndObject();
}

// Every optional field a 2025-11-25 tool may carry: title, annotations, icons, outputSchema,
// _meta, with strings that need escaping and numbers of every shape.
std::string rich_definition() {
  return std::string(
             R"({"name":"rich","title":"Rich result \u2713","description":)"
             R"("Returns every kind of content block, structured content and _meta.",)"
             R"("inputSchema":{"type":"object","properties":{"note":{"type":"string"}}},)"
             R"("outputSchema":{"type":"object","properties":{"count":{"type":"integer"},)"
             R"("ratio":{"type":"number"},"tags":{"type":"array","items":{"type":"string"}},)"
             R"("nested":{"type":"object"},"nothing":{"type":"null"}},)"
             R"("required":["count","ratio","tags","nested"]},)"
             R"("annotations":{"title":"Rich, annotated","readOnlyHint":true,)"
             R"("destructiveHint":false,"idempotentHint":true,"openWorldHint":false},)"
             R"("icons":[{"src":"data:image/png;base64,)") +
         kRedPixelPng +
         R"(","mimeType":"image/png","sizes":["1x1"],"theme":"light"},)"
         R"({"src":"https://example.com/icon.svg","mimeType":"image/svg+xml","sizes":["any"],)"
         R"("theme":"dark"}],)"
         R"("_meta":{"io.mcproxy.test/owner":"testserver","io.mcproxy.test/nested":{"list":)"
         R"([1,2.5,-3,null,true,"\u2028 \"q\" \\"],"empty":{},"none":[]}}})";
}

std::string rich_result(std::string_view note) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  put_string(writer, note);
  const std::string note_json(buffer.GetString(), buffer.GetSize());
  return std::string(
             R"({"content":[)"
             R"({"type":"text","text":"rich \u2713 \"quoted\" \\ \n line","annotations":)"
             R"({"audience":["user","assistant"],"priority":0.25,)"
             R"("lastModified":"2025-01-02T03:04:05Z"},"_meta":{"io.mcproxy.test/block":1}},)"
             R"({"type":"image","data":")") +
         kRedPixelPng +
         R"(","mimeType":"image/png","annotations":{"audience":["user"]}},)"
         R"({"type":"audio","data":")" +
         kTinyWav +
         R"(","mimeType":"audio/wav"},)"
         R"({"type":"resource_link","uri":"test://static/hello","name":"hello","title":"Hello",)"
         R"("description":"The constant text 'hello'.","mimeType":"text/plain","size":5,)"
         R"("annotations":{"priority":1}},)"
         R"({"type":"resource","resource":{"uri":"test://static/info","mimeType":"text/plain",)"
         R"("text":"info","_meta":{"io.mcproxy.test/r":true}}}],)"
         R"("structuredContent":{"count":3,"ratio":0.1,"tags":["a","b"],)"
         R"("nested":{"deep":{"deeper":[{}]},"note":)" +
         note_json +
         R"(},"nothing":null},"isError":false,)"
         R"("_meta":{"io.mcproxy.test/result":{"n":9007199254740991,"s":"\u2713","f":-0.5e-3}}})";
}

std::string answer_text(const std::string& ask_id, ClientRequests::Outcome outcome,
                        const std::string& answer) {
  std::string out = "{\"requestId\":" + ask_id + ",\"outcome\":";
  switch (outcome) {
    case ClientRequests::Outcome::answered:
      return out + "\"answered\"," + answer.substr(1);
    case ClientRequests::Outcome::cancelled:
      return out + "\"cancelled\"}";
    case ClientRequests::Outcome::pending:
      break;
  }
  return out + "\"timedOut\"}";
}

}  // namespace

int log_level_rank(std::string_view level) {
  auto it = std::find(kLogLevels.begin(), kLogLevels.end(), level);
  return it == kLogLevels.end() ? -1 : static_cast<int>(it - kLogLevels.begin());
}

std::string extra_resource_uri(const Options& options) {
  return options.resource_scheme + "://static/extra";
}

void write_extra_prompt_definition(JsonWriter& writer) {
  writer.StartObject();
  writer.Key("name");
  writer.String(kExtraPromptName);
  writer.Key("description");
  writer.String("Prompt toggled by toggle_prompt.");
  writer.EndObject();
}

WriteFn get_extra_prompt() {
  return [](JsonWriter& writer) {
    writer.StartObject();
    writer.Key("messages");
    writer.StartArray();
    writer.StartObject();
    writer.Key("role");
    writer.String("user");
    writer.Key("content");
    writer.StartObject();
    writer.Key("type");
    writer.String("text");
    writer.Key("text");
    writer.String("extra");
    writer.EndObject();
    writer.EndObject();
    writer.EndArray();
    writer.EndObject();
  };
}

void write_extra_resource(JsonWriter& writer, const Options& options) {
  writer.StartObject();
  writer.Key("uri");
  put_string(writer, extra_resource_uri(options));
  writer.Key("name");
  writer.String("extra");
  writer.Key("mimeType");
  writer.String("text/plain");
  writer.EndObject();
}

void add_protocol_tools(Tools& tools, SessionState& state, Journal& journal,
                        ClientRequests& requests) {
  tools.add_raw("received",
                object_definition("received",
                                  "Returns what the client sent this server, as a JSON array of "
                                  "{seq, message}, optionally only messages with the given method.",
                                  R"({"type":"object","properties":{"method":{"type":"string"}}})"),
                [&journal](const rapidjson::Value& args, const CallContext&) -> ToolReply {
                  return text(journal.entries_json(get_string(args, "method")));
                });

  tools.add_raw(
      "ask_client",
      object_definition(
          "ask_client",
          "Sends the client a request (method, params) while this call runs and replies with "
          "{requestId, outcome: answered|cancelled|timedOut, result|error}. Cancelling this call "
          "cancels the request.",
          R"({"type":"object","properties":{"method":{"type":"string"},"params":)"
          R"({"type":"object"},"timeoutMs":{"type":"integer","minimum":1}},"required":["method"]})"),
      [&requests](const rapidjson::Value& args, const CallContext& context) -> ToolReply {
        auto method = get_string(args, "method");
        if (!method) return failure("ask_client: argument 'method' must be a string");
        const rapidjson::Value* params = find_member(args, "params");
        if (params != nullptr && !params->IsObject()) {
          return failure("ask_client: argument 'params' must be an object");
        }
        auto timeout_ms =
            find_member(args, "timeoutMs") ? get_integer(args, "timeoutMs") : kDefaultAskTimeoutMs;
        if (!timeout_ms || *timeout_ms < 1 || *timeout_ms > kMaxAskTimeoutMs) {
          return failure("ask_client: argument 'timeoutMs' must be an integer in [1, " +
                         std::to_string(kMaxAskTimeoutMs) + "]");
        }
        const std::string ask_id = requests.send(*method, params ? to_json_text(*params) : "{}");
        const auto deadline = TaskRunner::Clock::now() + std::chrono::milliseconds(*timeout_ms);
        context.tasks.start(
            context.id, [context, &requests, ask_id, deadline](const TaskRunner::Ticket& ticket) {
              auto [outcome, answer] = requests.wait(ticket, ask_id, deadline);
              if (context.tasks.is_cancelled(ticket)) {
                requests.cancel(ask_id, "the call that asked was cancelled");
                requests.forget(ask_id);
                return;
              }
              if (outcome == ClientRequests::Outcome::pending) {
                requests.cancel(ask_id, "timed out");
              }
              requests.forget(ask_id);
              const ToolResult result{answer_text(ask_id, outcome, answer)};
              context.output.result(context.id,
                                    [&](JsonWriter& writer) { write_tool_result(writer, result); });
            });
        return std::nullopt;
      });

  tools.add_raw(
      "cancel_asks",
      object_definition("cancel_asks",
                        "Sends notifications/cancelled for every pending ask_client request; "
                        "replies 'cancelled <n>'.",
                        R"({"type":"object","properties":{"reason":{"type":"string"}}})"),
      [&requests](const rapidjson::Value& args, const CallContext&) -> ToolReply {
        const auto n =
            requests.cancel_pending(get_string(args, "reason").value_or("cancelled by the server"));
        return text("cancelled " + std::to_string(n));
      });

  tools.add_raw(
      "emit_log",
      object_definition(
          "emit_log",
          "Sends notifications/message at `level` with `data` (default: a short text) when "
          "`level` is at or above the level logging/setLevel chose (initially info); replies "
          "'sent' or 'filtered'.",
          R"({"type":"object","properties":{"level":{"type":"string"},"logger":)"
          R"({"type":"string"},"data":{}},"required":["level"]})"),
      [&state](const rapidjson::Value& args, const CallContext& context) -> ToolReply {
        auto level = get_string(args, "level");
        if (!level || log_level_rank(*level) < 0) {
          return failure("emit_log: argument 'level' must be a syslog level name");
        }
        if (log_level_rank(*level) < log_level_rank(state.log_level)) return text("filtered");
        const rapidjson::Value* data = find_member(args, "data");
        auto logger = get_string(args, "logger");
        context.output.notify("notifications/message", [&](JsonWriter& writer) {
          writer.StartObject();
          writer.Key("level");
          put_string(writer, *level);
          if (logger) {
            writer.Key("logger");
            put_string(writer, *logger);
          }
          writer.Key("data");
          if (data != nullptr) {
            data->Accept(writer);
          } else {
            put_string(writer, "log at " + *level);
          }
          writer.EndObject();
        });
        return text("sent");
      });

  tools.add_raw(
      "touch_resource",
      object_definition("touch_resource",
                        "Sends notifications/resources/updated for `uri` if the client subscribed "
                        "to it; replies 'sent' or 'not subscribed'.",
                        R"({"type":"object","properties":{"uri":{"type":"string"}},)"
                        R"("required":["uri"]})"),
      [&state](const rapidjson::Value& args, const CallContext& context) -> ToolReply {
        auto uri = get_string(args, "uri");
        if (!uri) return failure("touch_resource: argument 'uri' must be a string");
        if (state.subscribed.count(*uri) == 0) return text("not subscribed");
        context.output.notify("notifications/resources/updated", [&](JsonWriter& writer) {
          writer.StartObject();
          writer.Key("uri");
          put_string(writer, *uri);
          writer.EndObject();
        });
        return text("sent");
      });

  tools.add_raw("toggle_prompt",
                object_definition("toggle_prompt",
                                  "Adds the prompt 'extra_prompt', or removes it, and sends "
                                  "notifications/prompts/list_changed before replying.",
                                  kNoArguments),
                [&state](const rapidjson::Value&, const CallContext& context) -> ToolReply {
                  state.extra_prompt = !state.extra_prompt;
                  context.output.notify("notifications/prompts/list_changed", empty_object);
                  return text(state.extra_prompt ? "extra_prompt on" : "extra_prompt off");
                });

  tools.add_raw("toggle_resource",
                object_definition("toggle_resource",
                                  "Adds the resource <scheme>://static/extra, or removes it, and "
                                  "sends notifications/resources/list_changed before replying.",
                                  kNoArguments),
                [&state](const rapidjson::Value&, const CallContext& context) -> ToolReply {
                  state.extra_resource = !state.extra_resource;
                  context.output.notify("notifications/resources/list_changed", empty_object);
                  return text(state.extra_resource ? "extra resource on" : "extra resource off");
                });

  tools.add_raw(
      "progress_flood",
      object_definition(
          "progress_flood",
          "Sends `count` notifications/progress, each with a message of `bytes` 'x', as fast as "
          "stdout takes them (on its own thread), then replies 'flooded <count>'. Needs a "
          "progressToken; honours cancellation.",
          R"({"type":"object","properties":{"count":{"type":"integer","minimum":1},)"
          R"("bytes":{"type":"integer","minimum":0}},"required":["count","bytes"]})"),
      [](const rapidjson::Value& args, const CallContext& context) -> ToolReply {
        auto count = get_integer(args, "count");
        auto bytes = get_integer(args, "bytes");
        if (!count || *count < 1 || *count > kMaxFloodCount || !bytes || *bytes < 0 ||
            *bytes > kMaxFloodBytes) {
          return failure("progress_flood: 'count' in [1, " + std::to_string(kMaxFloodCount) +
                         "] and 'bytes' in [0, " + std::to_string(kMaxFloodBytes) + "]");
        }
        if (context.progress_token.empty()) {
          return failure("progress_flood: the call needs _meta.progressToken");
        }
        context.tasks.start(context.id, [context, count = *count,
                                         bytes = *bytes](const TaskRunner::Ticket& ticket) {
          const std::string message(static_cast<std::size_t>(bytes), 'x');
          for (long long i = 1; i <= count; ++i) {
            if (context.tasks.is_cancelled(ticket)) return;
            context.output.notify("notifications/progress", [&](JsonWriter& writer) {
              writer.StartObject();
              writer.Key("progressToken");
              put_raw(writer, context.progress_token);
              writer.Key("progress");
              writer.Int64(i);
              writer.Key("total");
              writer.Int64(count);
              writer.Key("message");
              put_string(writer, message);
              writer.EndObject();
            });
          }
          const ToolResult result{"flooded " + std::to_string(count)};
          context.output.result(context.id,
                                [&](JsonWriter& writer) { write_tool_result(writer, result); });
        });
        return std::nullopt;
      });

  tools.add_raw("rich", rich_definition(),
                [](const rapidjson::Value& args, const CallContext& context) -> ToolReply {
                  const std::string result = rich_result(get_string(args, "note").value_or(""));
                  context.output.result(context.id,
                                        [&](JsonWriter& writer) { put_raw(writer, result); });
                  return std::nullopt;
                });
}

}  // namespace testserver
