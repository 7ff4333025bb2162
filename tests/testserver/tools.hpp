#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "json_io.hpp"
#include "options.hpp"
#include "tool_handlers.hpp"

namespace testserver {

// The tool catalogue: definitions for tools/list and dispatch for tools/call.
class Tools {
 public:
  explicit Tools(const Options& options);

  std::size_t size() const { return tools_.size(); }
  void write_definition(JsonWriter& writer, std::size_t index) const;
  // Throws RpcError(kInvalidParams) for an unknown tool name.
  ToolReply call(std::string_view name, const rapidjson::Value& args, const CallContext& context);

 private:
  using Handler = std::function<ToolReply(const rapidjson::Value&, const CallContext&)>;
  using Schema = std::shared_ptr<const rapidjson::Document>;
  struct Tool {
    std::string name;
    std::string description;
    Schema input_schema;
    Schema output_schema;  // may be null
    Handler handler;
  };

  void add(std::string name, std::string description, Schema input_schema, Handler handler,
           Schema output_schema = nullptr);
  void add_name_echo(std::string name, std::string description);
  ToolReply toggle_extra(const CallContext& context);

  std::vector<Tool> tools_;
};

}  // namespace testserver
