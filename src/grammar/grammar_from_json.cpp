// Grammar::from_json_schema and Grammar::json_object (hearth/grammar.hpp): the generated JSON
// grammars, built like any other GBNF.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "grammar/json_schema_gbnf.hpp"
#include "hearth/error.hpp"
#include "hearth/grammar.hpp"

namespace hearth {

Grammar Grammar::from_json_schema(std::string_view schema_json) { return from_json_schema(schema_json, {}, {}); }

Grammar Grammar::from_json_schema(std::string_view schema_json, std::string_view prefix, std::string_view suffix) {
    // ordered_json: properties are written in the order the schema declares them.
    nlohmann::ordered_json schema;
    try {
        schema = nlohmann::ordered_json::parse(schema_json);
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorCode::invalid_argument, fmt::format("JSON Schema is not valid JSON: {}", e.what()));
    }
    return from_gbnf(grammar::json_schema_to_gbnf(schema, prefix, suffix));
}

Grammar Grammar::json_object() { return from_gbnf(grammar::json_object_gbnf()); }

}  // namespace hearth
