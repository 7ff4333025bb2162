#pragma once

#include <cstddef>

#include "json_io.hpp"

namespace testserver {

// The single prompt `greet` plus argument completion for it.
std::size_t prompt_count();
void write_prompt_definition(JsonWriter& writer, std::size_t index);
// Both validate `params` first (throwing RpcError) and return a writer for the result object.
WriteFn get_prompt(const rapidjson::Value& params);
WriteFn complete(const rapidjson::Value& params);

}  // namespace testserver
