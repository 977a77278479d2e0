// The JSON grammars hearth generates (json_schema_gbnf.hpp): from a schema, and for any object.
#include "grammar/json_schema_gbnf.hpp"

#include "grammar/json_gbnf_rules.hpp"
#include "grammar/schema_converter.hpp"

namespace hearth::grammar {

std::string json_schema_to_gbnf(const nlohmann::ordered_json& schema, std::string_view prefix, std::string_view suffix) {
    return SchemaConverter(schema).convert(prefix, suffix);
}

std::string json_schema_to_gbnf(const nlohmann::json& schema) { return json_schema_to_gbnf(nlohmann::ordered_json(schema)); }

std::string json_object_gbnf() {
    SharedRules rules;
    return "root ::= " + rules.use("object") + "\n" + rules.text();
}

}  // namespace hearth::grammar
