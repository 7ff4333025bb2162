#include "resources.hpp"

#include <array>
#include <optional>
#include <string_view>

namespace testserver {
namespace {

struct StaticResource {
  const char* path;  // after "<scheme>://"
  const char* name;
  const char* description;
};

constexpr std::array<StaticResource, 2> kStatic = {{
    {"static/hello", "hello", "The constant text 'hello'."},
    {"static/info", "info", "The server's --name."},
}};
constexpr std::string_view kItemPath = "items/";

}  // namespace

std::size_t Resources::count() const {
  return kStatic.size();
}

void Resources::write_resource(JsonWriter& writer, std::size_t index) const {
  const StaticResource& resource = kStatic.at(index);
  writer.StartObject();
  writer.Key("uri");
  put_string(writer, uri_of(resource.path));
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
  put_string(writer, item_template());
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
  const std::string item_prefix = uri_of(kItemPath);
  if (*uri == uri_of(kStatic[0].path)) {
    text = "hello";
  } else if (*uri == uri_of(kStatic[1].path)) {
    text = server_name_;
  } else if (std::string_view(*uri).starts_with(item_prefix)) {
    std::string_view id = std::string_view(*uri).substr(item_prefix.size());
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
