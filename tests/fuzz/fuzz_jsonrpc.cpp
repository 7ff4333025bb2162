// Fuzz target: a JSON-RPC message as the gateway first meets it, from a client (an HTTP body)
// or from a backend (a channel line, or the body or SSE event of a remote server). All of it is
// pure: json::parse, a batch split into its elements as the HTTP front does, jsonrpc::classify,
// the id as text and the answers built around it, and the worker's classify_outgoing and
// split_incoming. Besides "no crash, no sanitizer report", the properties the router relies on
// are checked: what the gateway writes is JSON on one line, and ids come back unchanged.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "protocol/json.hpp"
#include "protocol/jsonrpc.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "worker/remote_message.hpp"

namespace mcp::fuzz {
namespace {

using jsonrpc::Kind;

bool one_line(std::string_view text) {
  return text.find_first_of("\r\n") == std::string_view::npos;
}

// Text the gateway built itself must parse.
void require_json(std::string_view text, json::Document& doc, const char* what,
                  std::string_view input) {
  check(!json::parse(text, doc).has_value(), what, input);
}

bool is_integer(const json::Value& v) {
  return v.IsInt64() || v.IsUint64();
}

void check_message(const json::Value& msg, std::string_view input) {
  const auto c = jsonrpc::classify(msg);
  const std::string id = jsonrpc::id_text(msg);
  json::Document scratch;
  require_json(id, scratch, "id_text is not JSON", input);
  check(one_line(id), "id_text spans lines", input);

  const json::Value* id_value = json::member(msg, "id");
  if (c.kind != Kind::invalid) {
    check(json::string_member(msg, "jsonrpc") == "2.0", "valid without \"jsonrpc\":\"2.0\"", input);
  }
  switch (c.kind) {
    case Kind::request:
      check(id_value != nullptr && (id_value->IsString() || is_integer(*id_value)),
            "a request whose id is neither a string nor an integer", input);
      break;
    case Kind::notification:
      check(id_value == nullptr, "a notification with an id", input);
      break;
    case Kind::response:
      check(id_value != nullptr, "a response without an id", input);
      break;
    case Kind::invalid:
      check(*c.reason != '\0', "invalid without a reason", input);
      break;
  }

  if (c.kind == Kind::request || c.kind == Kind::notification) {
    // The method survives being put into a message of our own, byte for byte (NULs included).
    const json::Value* params = json::member(msg, "params");
    const std::string params_json = params != nullptr ? json::to_string(*params) : std::string();
    json::Document n;
    require_json(jsonrpc::notification(c.method, params_json), n, "notification() is not JSON",
                 input);
    const auto nc = jsonrpc::classify(n);
    check(nc.kind == Kind::notification && nc.method == c.method,
          "notification() changed the method", input);
  }

  // The error answer is built for any message; for a request it must carry the id unchanged
  // (1 and "1" never meet).
  json::Document answer;
  require_json(jsonrpc::error_response(id, jsonrpc::code::invalid_request,
                                       std::string("Invalid request: ") + c.reason),
               answer, "error_response() is not JSON", input);
  if (c.kind == Kind::request) {
    check(jsonrpc::classify(answer).kind == Kind::response && jsonrpc::id_text(answer) == id,
          "error_response() changed the id", input);
    require_json(jsonrpc::result_response(id, "{}"), answer, "result_response() is not JSON",
                 input);
    check(jsonrpc::classify(answer).kind == Kind::response && jsonrpc::id_text(answer) == id,
          "result_response() changed the id", input);
  }
}

// The same double, bit for bit (so 0.0 and -0.0 differ). json::parse converts numbers itself,
// exactly; RapidJSON's own reading drifted by up to 3 ulp (tests/fuzz/README.md, finding 5).
bool same_double(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// Equal values, members in the same order, doubles bit for bit.
bool same_json(const json::Value& a, const json::Value& b) {
  if (a.GetType() != b.GetType()) return false;
  if (a.IsNumber()) {
    if (a.IsDouble() != b.IsDouble()) return false;
    return a.IsDouble() ? same_double(a.GetDouble(), b.GetDouble()) : a == b;
  }
  if (a.IsArray()) {
    if (a.Size() != b.Size()) return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      if (!same_json(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.IsObject()) {
    if (a.MemberCount() != b.MemberCount()) return false;
    for (auto x = a.MemberBegin(), y = b.MemberBegin(); x != a.MemberEnd(); ++x, ++y) {
      if (x->name != y->name || !same_json(x->value, y->value)) return false;
    }
    return true;
  }
  return a == b;
}

// What json::parse accepted, re-serialized as the router does after rewriting an id: one line,
// valid JSON, and the same value when read again.
void check_serialization(const json::Document& doc, std::string_view input) {
  const std::string compact = json::to_string(doc);
  check(one_line(compact), "to_string() spans lines", input);
  json::Document again;
  require_json(compact, again, "to_string() is not JSON", input);
  check(same_json(doc, again), "to_string() changed the value", input);
}

// The worker: which way an outgoing message travels, and an incoming body turned into lines.
void check_remote_message(std::string_view input, bool parsed) {
  const auto out = worker::classify_outgoing(input);
  json::Document scratch;
  if (out.origin == worker::OutgoingMessage::Origin::supervisor_call) {
    require_json(out.id_json, scratch, "a supervisor call's id is not JSON", input);
    check(is_integer(scratch), "a supervisor call without an integer id", input);
  } else if (out.origin == worker::OutgoingMessage::Origin::worker) {
    check(out.id_json.starts_with("\"mcproxy:"), "a worker request without a worker id", input);
  }
  if (!out.cancels_id_json.empty()) {
    require_json(out.cancels_id_json, scratch, "a cancelled id is not JSON", input);
  }

  std::string error;
  const auto incoming = worker::split_incoming(input, error);
  check(parsed == error.empty(), "split_incoming() disagrees with json::parse", input);
  if (!parsed) {
    check(incoming.empty(), "split_incoming() made messages of text that is not JSON", input);
    return;
  }
  for (const auto& m : incoming) {
    check(one_line(m.text), "split_incoming() made a message that spans lines", input);
    json::Document msg;
    require_json(m.text, msg, "split_incoming() made a message that is not JSON", input);
    const bool response = jsonrpc::classify(msg).kind == Kind::response;
    check(response != m.response_id.empty(), "split_incoming() response id", input);
    if (response) {
      check(m.response_id == jsonrpc::id_text(msg), "split_incoming() changed a response id",
            input);
    }
  }
}

}  // namespace
}  // namespace mcp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mcp;
  const std::string_view input = fuzz::as_text(data, size);
  json::Document doc;
  const auto err = json::parse(input, doc);
  if (err) {
    fuzz::check(err->offset <= input.size() && !err->message.empty(), "parse error offset", input);
    const auto lc = json::line_column(input, err->offset);
    fuzz::check(lc.line >= 1 && lc.column >= 1 && lc.column <= err->offset + 1,
                "line_column() out of range", input);
  } else {
    // RFC 8259: control characters appear only escaped, so valid JSON text holds no NUL byte.
    fuzz::check(input.find('\0') == std::string_view::npos, "JSON text with a NUL byte accepted",
                input);
    fuzz::check_serialization(doc, input);
    if (doc.IsArray()) {
      // A batch: the HTTP front copies each element into a document of its own.
      for (const auto& item : doc.GetArray()) {
        json::Document element;
        element.CopyFrom(item, element.GetAllocator());
        fuzz::check_message(element, input);
      }
    } else {
      fuzz::check_message(doc, input);
    }
  }
  fuzz::check_remote_message(input, !err.has_value());
  return 0;
}
