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

  using Handler = std::function<ToolReply(const rapidjson::Value&, const CallContext&)>;

  std::size_t size() const { return tools_.size(); }
  // Adds a tool whose tools/list entry is `definition_json` verbatim (a JSON object that names
  // it `name`), for tools that carry title, annotations, icons or _meta.
  void add_raw(std::string name, std::string definition_json, Handler handler);
  void write_definition(JsonWriter& writer, std::size_t index) const;
  // Throws RpcError(kInvalidParams) for an unknown tool name.
  ToolReply call(std::string_view name, const rapidjson::Value& args, const CallContext& context);

 private:
  using Schema = std::shared_ptr<const rapidjson::Document>;
  struct Tool {
    std::string name;
    std::string description;
    Schema input_schema;
    Schema output_schema;  // may be null
    Handler handler;
    std::string raw_definition;  // non-empty: the whole tools/list entry
  };

  void add(std::string name, std::string description, Schema input_schema, Handler handler,
           Schema output_schema = nullptr);
  void add_name_echo(std::string name, std::string description);
  ToolReply toggle_extra(const CallContext& context);

  std::vector<Tool> tools_;
};

}  // namespace testserver
