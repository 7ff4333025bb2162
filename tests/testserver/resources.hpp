#pragma once

#include <cstddef>
#include <string>

#include "json_io.hpp"

namespace testserver {

// Two static resources and the template test://items/{id}.
class Resources {
 public:
  explicit Resources(std::string server_name) : server_name_(std::move(server_name)) {}

  std::size_t count() const;
  void write_resource(JsonWriter& writer, std::size_t index) const;
  std::size_t template_count() const { return 1; }
  void write_template(JsonWriter& writer, std::size_t index) const;
  // Throws RpcError(kResourceNotFound) for unknown URIs.
  WriteFn read(const rapidjson::Value& params) const;

 private:
  std::string server_name_;
};

}  // namespace testserver
