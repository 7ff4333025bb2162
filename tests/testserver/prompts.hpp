#pragma once

#include <cstddef>
#include <string>

#include "json_io.hpp"

namespace testserver {

// The single prompt `greet` plus argument completion for it.
std::size_t prompt_count();
void write_prompt_definition(JsonWriter& writer, std::size_t index);
// Both validate `params` first (throwing RpcError) and return a writer for the result object.
WriteFn get_prompt(const rapidjson::Value& params);
// With --protocol-tools the item template's `id` completes to "<server name>-1", "-2", so a
// test can tell which server answered.
struct ItemCompletions {
  std::string uri_template;
  std::string server_name;
};
WriteFn complete(const rapidjson::Value& params, const ItemCompletions* items = nullptr);

}  // namespace testserver
