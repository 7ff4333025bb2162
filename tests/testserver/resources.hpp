#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "json_io.hpp"

namespace testserver {

// Two static resources and the template test://items/{id} ("test" is --resource-scheme).
class Resources {
 public:
  Resources(std::string server_name, std::string scheme)
      : server_name_(std::move(server_name)), scheme_(std::move(scheme)) {}

  std::size_t count() const;
  void write_resource(JsonWriter& writer, std::size_t index) const;
  std::size_t template_count() const { return 1; }
  void write_template(JsonWriter& writer, std::size_t index) const;
  // Throws RpcError(kResourceNotFound) for unknown URIs.
  WriteFn read(const rapidjson::Value& params) const;
  // The template's URI, e.g. test://items/{id}.
  std::string item_template() const { return scheme_ + "://items/{id}"; }

 private:
  std::string uri_of(std::string_view path) const { return scheme_ + "://" + std::string(path); }

  std::string server_name_;
  std::string scheme_;
};

}  // namespace testserver
