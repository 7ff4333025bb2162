#include "server.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <unordered_map>

#include "prompts.hpp"

namespace testserver {
namespace {

constexpr std::array<std::string_view, 4> kProtocolVersions = {"2024-11-05", "2025-03-26",
                                                               "2025-06-18", "2025-11-25"};
constexpr std::string_view kLatestProtocolVersion = "2025-11-25";
constexpr std::string_view kCursorPrefix = "page-";

std::string make_cursor(std::size_t offset) {
  return std::string(kCursorPrefix) + std::to_string(offset);
}

std::size_t parse_cursor(const rapidjson::Value& params, std::size_t total) {
  const rapidjson::Value* cursor = find_member(params, "cursor");
  if (cursor == nullptr || cursor->IsNull()) return 0;
  std::string_view text = cursor->IsString() ? cursor->GetString() : "";
  std::size_t offset = 0;
  bool valid = text.starts_with(kCursorPrefix);
  if (valid) {
    text.remove_prefix(kCursorPrefix.size());
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), offset);
    // Equal to total is allowed: the list may have shrunk since the cursor was issued.
    valid =
        !text.empty() && ec == std::errc() && end == text.data() + text.size() && offset <= total;
  }
  if (!valid) throw RpcError(kInvalidParams, "Invalid cursor");
  return offset;
}

void write_empty_object(JsonWriter& writer) {
  writer.StartObject();
  writer.EndObject();
}

}  // namespace

Server::Server(Options options)
    : options_(std::move(options)),
      client_requests_(output_, tasks_),
      tools_(options_),
      resources_(options_.name, options_.resource_scheme) {
  if (options_.protocol_tools) add_protocol_tools(tools_, state_, journal_, client_requests_);
}

void Server::handle_line(std::string_view line) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return;

  rapidjson::Document message;
  message.Parse<rapidjson::kParseValidateEncodingFlag>(line.data(), line.size());
  if (message.HasParseError()) {
    output_.error("null", kParseError, "Parse error");
    return;
  }
  if (!message.IsObject()) {
    output_.error("null", kInvalidRequest, "Invalid Request: expected a JSON object");
    return;
  }

  if (options_.protocol_tools) journal_.record(message, line);
  const rapidjson::Value* id = find_member(message, "id");
  const rapidjson::Value* method = find_member(message, "method");
  const bool has_valid_id = id != nullptr && (id->IsString() || id->IsNumber());
  const std::string id_text = has_valid_id ? to_json_text(*id) : "null";

  if (method == nullptr) {
    // A response: to one of our requests to the client, or to something we never asked for
    // (nothing sensible to say back).
    if (find_member(message, "result") || find_member(message, "error")) {
      client_requests_.on_response(message);
      return;
    }
    output_.error(id_text, kInvalidRequest, "Invalid Request: missing method");
    return;
  }
  if (get_string(message, "jsonrpc") != "2.0" || !method->IsString() ||
      (id != nullptr && !has_valid_id)) {
    if (id != nullptr) output_.error(id_text, kInvalidRequest, "Invalid Request");
    return;
  }

  static const rapidjson::Value kNoParams(rapidjson::kObjectType);
  const rapidjson::Value* params = find_member(message, "params");
  if (params != nullptr && !params->IsObject()) {
    if (id != nullptr) output_.error(id_text, kInvalidParams, "params must be an object");
    return;
  }
  std::string_view method_name(method->GetString(), method->GetStringLength());
  if (id == nullptr) {
    handle_notification(method_name, params ? *params : kNoParams);
  } else {
    handle_request(id_text, method_name, params ? *params : kNoParams);
  }
}

void Server::handle_request(const std::string& id, std::string_view method,
                            const rapidjson::Value& params) {
  using Handler = Reply (Server::*)(const Request&);
  static const std::unordered_map<std::string_view, Handler> kHandlers = {
      {"initialize", &Server::initialize},
      {"ping", &Server::empty_result},
      {"tools/list", &Server::list_tools},
      {"tools/call", &Server::call_tool},
      {"prompts/list", &Server::list_prompts},
      {"prompts/get", &Server::get_prompt},
      {"completion/complete", &Server::complete},
      {"resources/list", &Server::list_resources},
      {"resources/templates/list", &Server::list_resource_templates},
      {"resources/read", &Server::read_resource},
      {"resources/subscribe", &Server::subscribe},
      {"resources/unsubscribe", &Server::unsubscribe},
      {"logging/setLevel", &Server::set_log_level},
  };

  auto it = kHandlers.find(method);
  if (it == kHandlers.end()) {
    output_.error(id, kMethodNotFound, "Method not found: " + std::string(method));
    return;
  }
  try {
    Reply reply = (this->*(it->second))(Request{id, params});
    if (reply) output_.result(id, *reply);
  } catch (const RpcError& error) {
    output_.error(id, error.code, error.what(), error.uri);
  } catch (const std::exception& error) {
    output_.error(id, kInternalError, std::string("Internal error: ") + error.what());
  }
}

void Server::handle_notification(std::string_view method, const rapidjson::Value& params) {
  // Everything else (notifications/initialized, roots/list_changed, ...) needs no action.
  if (method != "notifications/cancelled") return;
  const rapidjson::Value* request_id = find_member(params, "requestId");
  if (request_id != nullptr && (request_id->IsString() || request_id->IsNumber())) {
    tasks_.cancel(to_json_text(*request_id));
  }
}

void Server::finish() {
  tasks_.cancel_all();
}

Server::Reply Server::initialize(const Request& request) {
  if (options_.exit_during_init) {
    output_.log("mcp-test-server: --exit-during-init given, exiting with status 3");
    output_.exit_now(3);
  }
  std::string version(kLatestProtocolVersion);
  if (auto requested = get_string(request.params, "protocolVersion")) {
    for (std::string_view known : kProtocolVersions) {
      if (*requested == known) version = *requested;
    }
  }
  if (options_.protocol_version) version = *options_.protocol_version;
  return [this, version](JsonWriter& writer) {
    writer.StartObject();
    writer.Key("protocolVersion");
    put_string(writer, version);
    writer.Key("capabilities");
    writer.StartObject();
    for (const char* list : {"tools", "prompts"}) {
      writer.Key(list);
      writer.StartObject();
      writer.Key("listChanged");
      writer.Bool(true);
      writer.EndObject();
    }
    writer.Key("resources");
    writer.StartObject();
    writer.Key("subscribe");
    writer.Bool(true);
    writer.Key("listChanged");
    writer.Bool(true);
    writer.EndObject();
    writer.Key("logging");
    write_empty_object(writer);
    writer.Key("completions");
    write_empty_object(writer);
    writer.EndObject();
    writer.Key("serverInfo");
    writer.StartObject();
    writer.Key("name");
    put_string(writer, options_.name);
    writer.Key("version");
    writer.String("1.0.0");
    writer.EndObject();
    writer.EndObject();
  };
}

Server::Reply Server::empty_result(const Request&) {
  return write_empty_object;
}

Server::Reply Server::subscribe(const Request& request) {
  auto uri = get_string(request.params, "uri");
  if (!uri) throw RpcError(kInvalidParams, "Missing resource uri");
  state_.subscribed.insert(*uri);
  return write_empty_object;
}

Server::Reply Server::unsubscribe(const Request& request) {
  auto uri = get_string(request.params, "uri");
  if (!uri) throw RpcError(kInvalidParams, "Missing resource uri");
  state_.subscribed.erase(*uri);
  return write_empty_object;
}

Server::Reply Server::set_log_level(const Request& request) {
  auto level = get_string(request.params, "level");
  if (!level || log_level_rank(*level) < 0) {
    throw RpcError(kInvalidParams, "level must be a syslog level name");
  }
  state_.log_level = *level;
  return write_empty_object;
}

template <typename WriteItem>
WriteFn Server::page(const rapidjson::Value& params, const char* key, std::size_t total,
                     WriteItem write_item) const {
  const std::size_t begin = parse_cursor(params, total);
  const std::size_t size = options_.page_size == 0 ? total - begin : options_.page_size;
  const std::size_t end = std::min(total, begin + size);
  return [=](JsonWriter& writer) {
    writer.StartObject();
    writer.Key(key);
    writer.StartArray();
    for (std::size_t i = begin; i < end; ++i) write_item(writer, i);
    writer.EndArray();
    if (end < total) {
      writer.Key("nextCursor");
      put_string(writer, make_cursor(end));
    }
    writer.EndObject();
  };
}

Server::Reply Server::list_tools(const Request& request) {
  return page(request.params, "tools", tools_.size(),
              [this](JsonWriter& writer, std::size_t i) { tools_.write_definition(writer, i); });
}

Server::Reply Server::call_tool(const Request& request) {
  auto name = get_string(request.params, "name");
  if (!name) throw RpcError(kInvalidParams, "Missing tool name");
  static const rapidjson::Value kNoArguments(rapidjson::kObjectType);
  const rapidjson::Value* arguments = find_member(request.params, "arguments");
  if (arguments != nullptr && !arguments->IsObject()) {
    throw RpcError(kInvalidParams, "arguments must be an object");
  }

  CallContext context{request.id, "", output_, tasks_};
  const rapidjson::Value* meta = find_member(request.params, "_meta");
  const rapidjson::Value* token = meta ? find_member(*meta, "progressToken") : nullptr;
  if (token != nullptr && (token->IsString() || token->IsNumber())) {
    context.progress_token = to_json_text(*token);
  }

  ToolReply result = tools_.call(*name, arguments ? *arguments : kNoArguments, context);
  if (!result) return std::nullopt;
  return [result = std::move(*result)](JsonWriter& writer) { write_tool_result(writer, result); };
}

Server::Reply Server::list_prompts(const Request& request) {
  const std::size_t fixed = prompt_count();
  return page(request.params, "prompts", fixed + (state_.extra_prompt ? 1 : 0),
              [fixed](JsonWriter& writer, std::size_t i) {
                if (i < fixed) {
                  write_prompt_definition(writer, i);
                } else {
                  write_extra_prompt_definition(writer);
                }
              });
}

Server::Reply Server::get_prompt(const Request& request) {
  if (state_.extra_prompt && get_string(request.params, "name") == kExtraPromptName) {
    return get_extra_prompt();
  }
  return testserver::get_prompt(request.params);
}

Server::Reply Server::complete(const Request& request) {
  if (!options_.protocol_tools) return testserver::complete(request.params);
  const ItemCompletions items{resources_.item_template(), options_.name};
  return testserver::complete(request.params, &items);
}

Server::Reply Server::list_resources(const Request& request) {
  const std::size_t fixed = resources_.count();
  return page(request.params, "resources", fixed + (state_.extra_resource ? 1 : 0),
              [this, fixed](JsonWriter& writer, std::size_t i) {
                if (i < fixed) {
                  resources_.write_resource(writer, i);
                } else {
                  write_extra_resource(writer, options_);
                }
              });
}

Server::Reply Server::list_resource_templates(const Request& request) {
  return page(request.params, "resourceTemplates", resources_.template_count(),
              [this](JsonWriter& writer, std::size_t i) { resources_.write_template(writer, i); });
}

Server::Reply Server::read_resource(const Request& request) {
  auto uri = get_string(request.params, "uri");
  if (state_.extra_resource && uri == extra_resource_uri(options_)) {
    return [uri = *uri](JsonWriter& writer) {
      writer.StartObject();
      writer.Key("contents");
      writer.StartArray();
      writer.StartObject();
      writer.Key("uri");
      put_string(writer, uri);
      writer.Key("mimeType");
      writer.String("text/plain");
      writer.Key("text");
      writer.String("extra");
      writer.EndObject();
      writer.EndArray();
      writer.EndObject();
    };
  }
  return resources_.read(request.params);
}

}  // namespace testserver
