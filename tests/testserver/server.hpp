#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "client_requests.hpp"
#include "journal.hpp"
#include "json_io.hpp"
#include "options.hpp"
#include "protocol_tools.hpp"
#include "resources.hpp"
#include "tasks.hpp"
#include "tools.hpp"

namespace testserver {

// Parses one JSON-RPC line at a time and dispatches it. Everything except slow tool calls runs
// on the caller's (stdin) thread, so only Output and TaskRunner are shared across threads.
class Server {
 public:
  explicit Server(Options options);

  void handle_line(std::string_view line);
  // Called at stdin EOF. Closing stdin is how MCP clients ask a stdio server to stop, so pending
  // sleeps and delayed crashes are abandoned (no replies) rather than holding the exit up.
  void finish();

 private:
  struct Request {
    std::string id;  // JSON text
    const rapidjson::Value& params;
  };
  // std::nullopt: the handler replies later (or never) by itself.
  using Reply = std::optional<WriteFn>;

  void handle_request(const std::string& id, std::string_view method,
                      const rapidjson::Value& params);
  void handle_notification(std::string_view method, const rapidjson::Value& params);

  Reply initialize(const Request& request);
  Reply empty_result(const Request& request);
  Reply subscribe(const Request& request);
  Reply unsubscribe(const Request& request);
  Reply set_log_level(const Request& request);
  Reply list_tools(const Request& request);
  Reply call_tool(const Request& request);
  Reply list_prompts(const Request& request);
  Reply get_prompt(const Request& request);
  Reply complete(const Request& request);
  Reply list_resources(const Request& request);
  Reply list_resource_templates(const Request& request);
  Reply read_resource(const Request& request);

  // Validates the cursor before anything is written, then returns a writer for one page.
  template <typename WriteItem>
  WriteFn page(const rapidjson::Value& params, const char* key, std::size_t total,
               WriteItem write_item) const;

  Options options_;
  Output output_;
  TaskRunner tasks_;
  Journal journal_;  // filled only with --protocol-tools
  SessionState state_;
  ClientRequests client_requests_;
  Tools tools_;
  Resources resources_;
};

}  // namespace testserver
