// worker/mcp_param_headers.hpp: which x-mcp-header annotations a tool may carry, and the
// Mcp-Param-* headers a call sends (2026-07-28 streamable-http, "Custom Headers from Tool
// Parameters"). One row per schema, one per call.
#include <gtest/gtest.h>

#include <string>

#include "worker/mcp_param_headers.hpp"

namespace mcp::worker {
namespace {

json::Document parse(const std::string& text) {
  json::Document doc;
  EXPECT_FALSE(json::parse(text, doc).has_value()) << text;
  return doc;
}

struct SchemaRow {
  const char* name;
  const char* schema;
  bool valid;
  const char* found;  // "path=Name:type;..." for valid ones
};

const SchemaRow schema_rows[] = {
    {"none", R"({"type":"object","properties":{"q":{"type":"string"}}})", true, ""},
    {"one",
     R"({"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"}}})", true,
     "region=Region:string;"},
    {"nested_through_properties",
     R"({"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"integer","x-mcp-header":"B"}}}}})",
     true, "a.b=B:integer;"},
    {"three_types",
     R"({"type":"object","properties":{"s":{"type":"string","x-mcp-header":"S"},"i":{"type":"integer","x-mcp-header":"I"},"b":{"type":"boolean","x-mcp-header":"Bee"}}})",
     true, "s=S:string;i=I:integer;b=Bee:boolean;"},
    {"number_type_refused",
     R"({"type":"object","properties":{"n":{"type":"number","x-mcp-header":"N"}}})", false, ""},
    {"object_type_refused",
     R"({"type":"object","properties":{"o":{"type":"object","x-mcp-header":"O"}}})", false, ""},
    {"empty_name", R"({"type":"object","properties":{"s":{"type":"string","x-mcp-header":""}}})",
     false, ""},
    {"space_in_name",
     R"({"type":"object","properties":{"s":{"type":"string","x-mcp-header":"Re gion"}}})", false,
     ""},
    {"colon_in_name",
     R"({"type":"object","properties":{"s":{"type":"string","x-mcp-header":"Re:gion"}}})", false,
     ""},
    {"not_a_string", R"({"type":"object","properties":{"s":{"type":"string","x-mcp-header":7}}})",
     false, ""},
    {"duplicate_case_insensitive",
     R"({"type":"object","properties":{"a":{"type":"string","x-mcp-header":"Region"},"b":{"type":"string","x-mcp-header":"REGION"}}})",
     false, ""},
    {"under_items",
     R"({"type":"object","properties":{"l":{"type":"array","items":{"type":"string","x-mcp-header":"L"}}}})",
     false, ""},
    {"under_any_of",
     R"({"type":"object","properties":{"x":{"anyOf":[{"type":"string","x-mcp-header":"X"}]}}})",
     false, ""},
    {"under_defs",
     R"({"type":"object","$defs":{"d":{"type":"string","x-mcp-header":"D"}},"properties":{"d":{"$ref":"#/$defs/d"}}})",
     false, ""},
};

class HeaderParams : public testing::TestWithParam<SchemaRow> {};

std::string SchemaName(const testing::TestParamInfo<SchemaRow>& row) {
  return row.param.name;
}

TEST_P(HeaderParams, ValidatesAndCollects) {
  const SchemaRow& row = GetParam();
  json::Document schema = parse(row.schema);
  std::string error;
  auto params = header_params(schema, error);
  ASSERT_EQ(params.has_value(), row.valid) << error;
  if (!row.valid) {
    EXPECT_FALSE(error.empty());
    return;
  }
  std::string found;
  for (const auto& p : *params) {
    std::string path;
    for (const auto& k : p.path) path += (path.empty() ? "" : ".") + k;
    found += path + "=" + p.name + ":" + p.type + ";";
  }
  EXPECT_EQ(found, row.found);
}

INSTANTIATE_TEST_SUITE_P(Schemas, HeaderParams, testing::ValuesIn(schema_rows), SchemaName);

struct CallRow {
  const char* name;
  const char* arguments;  // "" for none
  const char* headers;    // "Name: value;..."
};

const CallRow call_rows[] = {
    {"all_present", R"({"s":"us-west1","i":42,"b":true,"a":{"b":7}})",
     "Mcp-Param-S: us-west1;Mcp-Param-I: 42;Mcp-Param-Bee: true;Mcp-Param-B: 7;"},
    {"null_and_absent_omitted", R"({"s":null,"b":false})", "Mcp-Param-Bee: false;"},
    {"non_ascii_encoded", R"({"s":"Hello, 世界"})",
     "Mcp-Param-S: =?base64?SGVsbG8sIOS4lueVjA==?=;"},
    {"negative_integer", R"({"i":-7})", "Mcp-Param-I: -7;"},
    {"integral_double", R"({"i":42.0})", "Mcp-Param-I: 42;"},
    {"fraction_skipped", R"({"i":4.5})", ""},
    {"no_arguments", "", ""},
    {"nested_missing_parent", R"({"a":3})", ""},
};

class ParamHeaders : public testing::TestWithParam<CallRow> {};

std::string CallName(const testing::TestParamInfo<CallRow>& row) {
  return row.param.name;
}

TEST_P(ParamHeaders, OnePerPresentValue) {
  json::Document schema = parse(
      R"({"type":"object","properties":{"s":{"type":"string","x-mcp-header":"S"},"i":{"type":"integer","x-mcp-header":"I"},"b":{"type":"boolean","x-mcp-header":"Bee"},"a":{"type":"object","properties":{"b":{"type":"integer","x-mcp-header":"B"}}}}})");
  std::string error;
  auto params = header_params(schema, error);
  ASSERT_TRUE(params) << error;
  const CallRow& row = GetParam();
  json::Document args;
  const json::Value* a = nullptr;
  if (row.arguments[0] != '\0') {
    args = parse(row.arguments);
    a = &args;
  }
  std::string got;
  for (const auto& [name, value] : param_headers(*params, a)) got += name + ": " + value + ";";
  EXPECT_EQ(got, row.headers);
}

INSTANTIATE_TEST_SUITE_P(Calls, ParamHeaders, testing::ValuesIn(call_rows), CallName);

}  // namespace
}  // namespace mcp::worker
