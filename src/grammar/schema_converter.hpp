// One JSON Schema -> GBNF conversion (json_schema_gbnf.hpp): the rules made so far, their names,
// and the rule of each $ref target. The work is split by topic: schema_converter.cpp (dispatch,
// $ref, anyOf, enum, names), schema_scalars.cpp (strings, numbers; patterns in pattern_gbnf.cpp),
// schema_containers.cpp (objects, arrays).
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/json_gbnf_rules.hpp"

namespace hearth::grammar {

using Json = nlohmann::ordered_json;

class SchemaConverter {
public:
    explicit SchemaConverter(const Json& root) : root_(root) {}
    // The whole grammar, rule "root" first: the schema's JSON text, between the literal texts
    // prefix and suffix when they are not empty (e.g. a tool-call wrapper around the arguments).
    std::string convert(std::string_view prefix = {}, std::string_view suffix = {});

    // Throws Error(invalid_argument): "what (at where)".
    [[noreturn]] static void fail(const std::string& where, const std::string& what);

private:
    // Every function takes `where`, the JSON pointer of the schema (for messages), and `hint`, a
    // readable name for rules made for it (a property path like "address-street").

    // The schema as one GBNF item: a shared rule's name, or a new rule holding body().
    std::string expression(const Json& schema, const std::string& where, const std::string& hint);
    // The schema as a rule body (alternatives allowed).
    std::string body(const Json& schema, const std::string& where, const std::string& hint);
    std::string ref_rule(const Json& schema, const std::string& where);
    std::string alternatives_body(const Json& schema, const std::string& where, const std::string& hint);
    std::string literal_body(const Json& schema, const std::string& where);
    std::string type_body(std::string_view type, const Json& schema, const std::string& where, const std::string& hint);
    std::string string_body(const Json& schema, const std::string& where);
    std::string numeric_body(std::string_view type, const Json& schema, const std::string& where);
    std::string object_body(const Json& schema, const std::string& where, const std::string& hint);
    std::string array_body(const Json& schema, const std::string& where, const std::string& hint);

    // A fresh rule name from hint (readable, never a shared rule's, never ending in "-<digits>",
    // which the GBNF parser uses for its helper rules).
    std::string fresh_name(const std::string& hint);
    std::string shared(std::string_view name) { return shared_.use(name); }

    struct Rule {
        std::string name;
        std::string body;
    };
    const Json& root_;
    std::vector<Rule> rules_;                    // in the order they are written
    std::set<std::string, std::less<>> names_;   // taken rule names
    std::map<std::string, std::string> ref_names_;  // $ref target pointer -> its rule
    SharedRules shared_;
    int depth_ = 0;
};

// Reading keyword values, with errors that say where.
// Whether the schema accepts any value without constraining it (true, {} or only annotations).
bool accepts_anything(const Json& schema);
// A keyword's value as a count (non-negative integer), or nullopt when absent.
std::optional<uint64_t> count_keyword(const Json& schema, const char* keyword, const std::string& where);
// Pointer of a child: where + "/" + the escaped key.
std::string child_pointer(const std::string& where, std::string_view key);
// Rule name hint of a child: the parent's hint and the key, joined by '-'.
std::string child_hint(const std::string& hint, std::string_view key);

}  // namespace hearth::grammar
