#pragma once

#include <optional>
#include <string>

#include "json_io.hpp"
#include "tasks.hpp"

namespace testserver {

struct ToolResult {
  std::string text;
  bool is_error = false;
  // Also report {"text": text} as structuredContent (for tools declaring an outputSchema).
  bool structured_text = false;
};

// std::nullopt: the reply is sent later by a background task, or never (cancelled, crashed).
using ToolReply = std::optional<ToolResult>;

struct CallContext {
  std::string id;              // request id as JSON text
  std::string progress_token;  // JSON text; empty when the client asked for no progress
  Output& output;
  TaskRunner& tasks;
};

void write_tool_result(JsonWriter& writer, const ToolResult& result);

ToolReply tool_echo(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_add(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_sleep(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_crash(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_large(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_log_stderr(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_fail(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_whoami(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_env(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_cwd(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_alloc(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_hang(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_spawn_child(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_garbage(const rapidjson::Value& args, const CallContext& context);
ToolReply tool_flood(const rapidjson::Value& args, const CallContext& context);

}  // namespace testserver
