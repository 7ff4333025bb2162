#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace testserver {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;
// Writes one JSON value (usually an object) into a message under construction.
using WriteFn = std::function<void(JsonWriter&)>;

enum ErrorCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kResourceNotFound = -32002,
};

// Thrown by request handlers; the dispatcher turns it into a JSON-RPC error response.
struct RpcError : std::runtime_error {
  RpcError(int error_code, const std::string& message, std::string resource_uri = {})
      : std::runtime_error(message), code(error_code), uri(std::move(resource_uri)) {}
  int code;
  std::string uri;  // non-empty: reported as error.data.uri
};

// Serialises every message to one stdout line. A single mutex covers the whole line so that
// replies from background threads never interleave with each other.
class Output {
 public:
  // `id` is the request id as JSON text, so it is echoed with its original type.
  void result(const std::string& id, const WriteFn& body);
  void error(const std::string& id, int code, std::string_view message, std::string_view uri = {});
  void notify(std::string_view method, const WriteFn& params);
  // A request of ours to the client (sampling, elicitation, roots, ping); `id` is JSON text.
  void request(const std::string& id, std::string_view method, const WriteFn& params);
  // Diagnostics go to stderr because stdout belongs to the protocol.
  void log(std::string_view line);
  // Holds the stdout lock until the process is gone so _exit never truncates a line.
  [[noreturn]] void exit_now(int status);
  // Fault injection: bytes that are not a message. Each call writes whole lines under the
  // stdout lock, so a real message is never split by them.
  void raw_lines(const std::vector<std::string>& lines);
  // One line of `bytes` copies of `fill`, written in chunks (an oversized line costs no memory).
  void filler_line(std::size_t bytes, char fill);

 private:
  void emit(const rapidjson::StringBuffer& buffer);

  std::mutex stdout_mutex_;
  std::mutex stderr_mutex_;
};

void put_string(JsonWriter& writer, std::string_view text);
void put_raw(JsonWriter& writer, const std::string& json_text);
std::string to_json_text(const rapidjson::Value& value);
// Strings from the OS (environment, cwd, argv) are bytes, but JSON text must be UTF-8.
std::string to_valid_utf8(std::string_view bytes);

const rapidjson::Value* find_member(const rapidjson::Value& object, const char* key);
std::optional<std::string> get_string(const rapidjson::Value& object, const char* key);
// Accepts integral doubles (e.g. 100.0) too, since clients serialise numbers differently.
std::optional<long long> get_integer(const rapidjson::Value& object, const char* key);

}  // namespace testserver
