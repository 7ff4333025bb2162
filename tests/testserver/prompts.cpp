#include "prompts.hpp"

#include <array>
#include <string>
#include <vector>

namespace testserver {
namespace {

constexpr const char* kGreet = "greet";
constexpr std::array<const char*, 2> kNameCompletions = {"Alice", "Bob"};

}  // namespace

std::size_t prompt_count() {
  return 1;
}

void write_prompt_definition(JsonWriter& writer, std::size_t) {
  writer.StartObject();
  writer.Key("name");
  writer.String(kGreet);
  writer.Key("description");
  writer.String("Greets someone by name.");
  writer.Key("arguments");
  writer.StartArray();
  writer.StartObject();
  writer.Key("name");
  writer.String("name");
  writer.Key("description");
  writer.String("Who to greet.");
  writer.Key("required");
  writer.Bool(true);
  writer.EndObject();
  writer.EndArray();
  writer.EndObject();
}

WriteFn get_prompt(const rapidjson::Value& params) {
  auto prompt = get_string(params, "name");
  if (!prompt) throw RpcError(kInvalidParams, "Missing prompt name");
  if (*prompt != kGreet) throw RpcError(kInvalidParams, "Unknown prompt: " + *prompt);
  const rapidjson::Value* arguments = find_member(params, "arguments");
  auto name = arguments ? get_string(*arguments, "name") : std::nullopt;
  if (!name) throw RpcError(kInvalidParams, "Missing required argument: name");

  return [text = "Hello, " + *name + "!"](JsonWriter& writer) {
    writer.StartObject();
    writer.Key("description");
    writer.String("Greets someone by name.");
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
    put_string(writer, text);
    writer.EndObject();
    writer.EndObject();
    writer.EndArray();
    writer.EndObject();
  };
}

WriteFn complete(const rapidjson::Value& params, const ItemCompletions* items) {
  const rapidjson::Value* ref = find_member(params, "ref");
  const rapidjson::Value* argument = find_member(params, "argument");
  auto ref_type = ref ? get_string(*ref, "type") : std::nullopt;
  auto argument_name = argument ? get_string(*argument, "name") : std::nullopt;
  if (!ref_type || !argument_name) {
    throw RpcError(kInvalidParams, "completion/complete needs ref.type and argument.name");
  }
  if (*ref_type == "ref/prompt" && get_string(*ref, "name").value_or("") != kGreet) {
    throw RpcError(kInvalidParams, "Unknown prompt: " + get_string(*ref, "name").value_or(""));
  }

  // Anything other than greet's `name` has no suggestions; an empty list is a valid answer.
  std::vector<std::string> values;
  const std::string prefix = get_string(*argument, "value").value_or("");
  if (*ref_type == "ref/prompt" && *argument_name == "name") {
    for (const char* candidate : kNameCompletions) {
      if (std::string_view(candidate).starts_with(prefix)) values.emplace_back(candidate);
    }
  } else if (items != nullptr && *ref_type == "ref/resource" && *argument_name == "id" &&
             get_string(*ref, "uri") == items->uri_template) {
    for (const char* suffix : {"-1", "-2"}) {
      std::string candidate = items->server_name + suffix;
      if (candidate.starts_with(prefix)) values.push_back(std::move(candidate));
    }
  }
  return [values = std::move(values)](JsonWriter& writer) {
    writer.StartObject();
    writer.Key("completion");
    writer.StartObject();
    writer.Key("values");
    writer.StartArray();
    for (const std::string& value : values) put_string(writer, value);
    writer.EndArray();
    writer.Key("total");
    writer.Uint64(values.size());
    writer.Key("hasMore");
    writer.Bool(false);
    writer.EndObject();
    writer.EndObject();
  };
}

}  // namespace testserver
