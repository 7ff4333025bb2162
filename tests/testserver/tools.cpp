#include "tools.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace testserver {
namespace {

constexpr std::size_t kLongNameLength = 80;
constexpr const char* kExtraTool = "extra";

std::shared_ptr<const rapidjson::Document> parse_schema(const char* json) {
  auto document = std::make_shared<rapidjson::Document>();
  document->Parse(json);
  if (document->HasParseError()) {
    // A broken literal below is a programming error; fail loudly rather than list bad schemas.
    std::fprintf(stderr, "mcp-test-server: invalid built-in schema: %s\n", json);
    std::abort();
  }
  return document;
}

std::shared_ptr<const rapidjson::Document> no_arguments_schema() {
  static const auto schema = parse_schema(R"({"type":"object","properties":{}})");
  return schema;
}

}  // namespace

Tools::Tools(const Options& options) {
  add("echo", "Echoes the given text back, as text and as structured content.",
      parse_schema(R"({"type":"object","properties":{"text":{"type":"string",
          "description":"Text to echo back."}},"required":["text"]})"),
      tool_echo, parse_schema(R"({"type":"object","properties":{"text":{"type":"string"}},
          "required":["text"]})"));
  add("add", "Adds two numbers and returns the sum as text.",
      parse_schema(R"({"type":"object","properties":{"a":{"type":"number"},
          "b":{"type":"number"}},"required":["a","b"]})"),
      tool_add);
  add("sleep",
      "Waits the given number of milliseconds without blocking other requests. Sends progress "
      "notifications about every 50 ms when a progressToken is given; honours cancellation.",
      parse_schema(R"({"type":"object","properties":{"ms":{"type":"integer","minimum":0,
          "maximum":86400000,"description":"Milliseconds to wait."}},"required":["ms"]})"),
      tool_sleep);
  add("crash", "Exits the server process with the given status after delayMs, without replying.",
      parse_schema(R"({"type":"object","properties":{"code":{"type":"integer","minimum":0,
          "maximum":255,"default":1},"delayMs":{"type":"integer","minimum":0,"default":0}}})"),
      tool_crash);
  add("large", "Returns one text block made of exactly `bytes` 'x' characters.",
      parse_schema(R"({"type":"object","properties":{"bytes":{"type":"integer","minimum":0,
          "maximum":268435456}},"required":["bytes"]})"),
      tool_large);
  add("log_stderr", "Writes the given text as one line to the server's stderr.",
      parse_schema(R"({"type":"object","properties":{"text":{"type":"string"}},
          "required":["text"]})"),
      tool_log_stderr);
  add("fail", "Returns a tool result with isError set and the given message.",
      parse_schema(R"({"type":"object","properties":{"message":{"type":"string"}}})"), tool_fail);
  add("toggle_extra",
      "Adds the tool 'extra', or removes it if present, and sends "
      "notifications/tools/list_changed.",
      no_arguments_schema(), [this](const rapidjson::Value&, const CallContext& context) {
        return toggle_extra(context);
      });
  add("whoami", "Returns the server's process id.", no_arguments_schema(), tool_whoami);
  add("env", "Returns the value of an environment variable, or an empty string if unset.",
      parse_schema(R"({"type":"object","properties":{"name":{"type":"string"}},
          "required":["name"]})"),
      tool_env);
  add("cwd", "Returns the server's current working directory.", no_arguments_schema(), tool_cwd);
  add("alloc", "Allocates and touches mb megabytes that are never freed; for memory-limit tests.",
      parse_schema(R"({"type":"object","properties":{"mb":{"type":"integer","minimum":1,
          "maximum":65536}},"required":["mb"]})"),
      tool_alloc);
  add("hang", "Stops reading requests for good (the main loop blocks); for liveness tests.",
      no_arguments_schema(), tool_hang);
  add("spawn_child",
      "Forks a child that sleeps forever in the server's process group; returns its pid.",
      no_arguments_schema(), tool_spawn_child);

  if (options.fault_tools) {
    add("garbage",
        "Writes `lines` lines that are not valid messages to stdout (not JSON, not UTF-8, "
        "truncated, unknown ids...), then replies; for fault-injection tests.",
        parse_schema(R"({"type":"object","properties":{"lines":{"type":"integer","minimum":1,
            "maximum":10000,"default":16}}})"),
        tool_garbage);
    add("flood",
        "Writes one line of `bytes` 'x' characters (not a message) to stdout, then replies; for "
        "oversized-line tests.",
        parse_schema(R"({"type":"object","properties":{"bytes":{"type":"integer","minimum":1,
            "maximum":268435456}},"required":["bytes"]})"),
        tool_flood);
  }

  for (std::size_t i = 0; i < options.generated_tools; ++i) {
    add_name_echo("gen_" + std::to_string(i), "Generated tool; returns its own name.");
  }
  if (options.long_names) {
    std::string long_name = "very_long_tool_name_";
    long_name.resize(kLongNameLength, 'x');
    add_name_echo(long_name, "Tool with an 80-character name; returns its own name.");
    add_name_echo("dotted.name", "Tool with a dot in its name; returns its own name.");
  }
}

void Tools::add(std::string name, std::string description, Schema input_schema, Handler handler,
                Schema output_schema) {
  tools_.push_back(Tool{std::move(name),
                        std::move(description),
                        std::move(input_schema),
                        std::move(output_schema),
                        std::move(handler),
                        {}});
}

void Tools::add_raw(std::string name, std::string definition_json, Handler handler) {
  tools_.push_back(
      Tool{std::move(name), {}, nullptr, nullptr, std::move(handler), std::move(definition_json)});
}

void Tools::add_name_echo(std::string name, std::string description) {
  Handler handler = [name](const rapidjson::Value&, const CallContext&) -> ToolReply {
    return ToolResult{name};
  };
  add(std::move(name), std::move(description), no_arguments_schema(), std::move(handler));
}

void Tools::write_definition(JsonWriter& writer, std::size_t index) const {
  const Tool& tool = tools_.at(index);
  if (!tool.raw_definition.empty()) {
    put_raw(writer, tool.raw_definition);
    return;
  }
  writer.StartObject();
  writer.Key("name");
  put_string(writer, tool.name);
  writer.Key("description");
  put_string(writer, tool.description);
  writer.Key("inputSchema");
  tool.input_schema->Accept(writer);
  if (tool.output_schema) {
    writer.Key("outputSchema");
    tool.output_schema->Accept(writer);
  }
  writer.EndObject();
}

ToolReply Tools::call(std::string_view name, const rapidjson::Value& args,
                      const CallContext& context) {
  auto it = std::find_if(tools_.begin(), tools_.end(),
                         [&](const Tool& tool) { return tool.name == name; });
  if (it == tools_.end()) throw RpcError(kInvalidParams, "Unknown tool: " + std::string(name));
  // Copy: toggle_extra reshapes tools_ while its own handler is running.
  Handler handler = it->handler;
  return handler(args, context);
}

ToolReply Tools::toggle_extra(const CallContext& context) {
  auto it = std::find_if(tools_.begin(), tools_.end(),
                         [](const Tool& tool) { return tool.name == kExtraTool; });
  const bool now_on = it == tools_.end();
  if (now_on) {
    add_name_echo(kExtraTool, "Tool toggled by toggle_extra; returns 'extra'.");
  } else {
    tools_.erase(it);
  }
  // Sent before the reply, so a client holding the reply knows the notification is already out.
  context.output.notify("notifications/tools/list_changed", [](JsonWriter& writer) {
    writer.StartObject();
    writer.EndObject();
  });
  return ToolResult{now_on ? "extra on" : "extra off"};
}

}  // namespace testserver
