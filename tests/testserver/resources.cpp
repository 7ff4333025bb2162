#include "resources.hpp"

#include <array>
#include <optional>
#include <string_view>

namespace testserver {
namespace {

struct StaticResource {
  const char* uri;
  const char* name;
  const char* description;
};

constexpr std::array<StaticResource, 2> kStatic = {{
    {"test://static/hello", "hello", "The constant text 'hello'."},
    {"test://static/info", "info", "The server's --name."},
}};
constexpr std::string_view kItemPrefix = "test://items/";

}  // namespace

std::size_t Resources::count() const {
  return kStatic.size();
}

void Resources::write_resource(JsonWriter& writer, std::size_t index) const {
  const StaticResource& resource = kStatic.at(index);
  writer.StartObject();
  writer.Key("uri");
  writer.String(resource.uri);
  writer.Key("name");
  writer.String(resource.name);
  writer.Key("description");
  writer.String(resource.description);
  writer.Key("mimeType");
  writer.String("text/plain");
  writer.EndObject();
}

void Resources::write_template(JsonWriter& writer, std::size_t) const {
  writer.StartObject();
  writer.Key("uriTemplate");
  writer.String("test://items/{id}");
  writer.Key("name");
  writer.String("item");
  writer.Key("description");
  writer.String("Item by id; reads as the text 'item <id>'.");
  writer.Key("mimeType");
  writer.String("text/plain");
  writer.EndObject();
}

WriteFn Resources::read(const rapidjson::Value& params) const {
  auto uri = get_string(params, "uri");
  if (!uri) throw RpcError(kInvalidParams, "Missing resource uri");

  std::optional<std::string> text;
  if (*uri == kStatic[0].uri) {
    text = "hello";
  } else if (*uri == kStatic[1].uri) {
    text = server_name_;
  } else if (std::string_view(*uri).starts_with(kItemPrefix)) {
    std::string_view id = std::string_view(*uri).substr(kItemPrefix.size());
    if (!id.empty() && id.find('/') == std::string_view::npos) text = "item " + std::string(id);
  }
  if (!text) throw RpcError(kResourceNotFound, "Resource not found: " + *uri, *uri);

  return [uri = *uri, text = *text](JsonWriter& writer) {
    writer.StartObject();
    writer.Key("contents");
    writer.StartArray();
    writer.StartObject();
    writer.Key("uri");
    put_string(writer, uri);
    writer.Key("mimeType");
    writer.String("text/plain");
    writer.Key("text");
    put_string(writer, text);
    writer.EndObject();
    writer.EndArray();
    writer.EndObject();
  };
}

}  // namespace testserver
