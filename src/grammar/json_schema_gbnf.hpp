// JSON Schema -> GBNF: the grammar of the JSON texts a schema accepts, for constrained decoding.
// Every keyword is either honoured exactly, honoured as a documented subset (the output is then
// always valid but may not reach every valid text), or refused with an Error naming it: a schema
// is never silently loosened.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace hearth::grammar {

// GBNF (start rule "root") for the JSON texts that `schema` accepts. Objects list their
// properties in the schema's declared order, which only an ordered_json keeps (nlohmann::json
// sorts keys: with it, properties come in key order). Throws Error(invalid_argument) naming any
// keyword it cannot honour and where it is, e.g. "JSON Schema keyword 'patternProperties' is not
// supported (at /properties/a)".
// prefix/suffix: literal texts around the JSON (none when empty).
std::string json_schema_to_gbnf(const nlohmann::ordered_json& schema, std::string_view prefix = {},
                                std::string_view suffix = {});
std::string json_schema_to_gbnf(const nlohmann::json& schema);

// GBNF for any JSON object (bounded whitespace and number digits, nesting allowed).
std::string json_object_gbnf();

}  // namespace hearth::grammar
