// The core of the JSON Schema -> GBNF conversion: which keywords are honoured, dispatch by kind,
// $ref (local pointers, recursion through rules), anyOf/oneOf/allOf, enum/const, rule names.
#include "grammar/schema_converter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <span>

#include "hearth/error.hpp"

namespace hearth::grammar {
namespace {

// Keywords that do not constrain the value: skipped wherever they appear.
constexpr std::array<std::string_view, 12> kAnnotations = {
    "$schema", "$id", "$comment", "title", "description", "default",
    "examples", "deprecated", "readOnly", "writeOnly", "$defs", "definitions",
};

// Keywords honoured (each in the function that reads it). Any other keyword is refused: a schema
// keyword left out would let the model write what the schema forbids.
constexpr std::array<std::string_view, 24> kHonoured = {
    "type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref",
    "properties", "required", "additionalProperties",
    "items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems",
    "minLength", "maxLength", "format", "pattern",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
};

constexpr std::array<std::string_view, 7> kTypes = {"null", "boolean", "object", "array", "number", "integer", "string"};

// Deeper schemas than this are refused rather than walked (the walk recurses).
constexpr int kMaxDepth = 128;

bool one_of(std::string_view word, std::span<const std::string_view> list) {
    return std::find(list.begin(), list.end(), word) != list.end();
}

std::string where_text(const std::string& where) { return where.empty() ? "the schema root" : where; }

void check_keywords(const Json& schema, const std::string& where) {
    for (const auto& [key, value] : schema.items()) {
        if (one_of(key, kAnnotations)) continue;
        if (!one_of(key, kHonoured) || (key == "uniqueItems" && value != Json(false)))
            SchemaConverter::fail(where, fmt::format("JSON Schema keyword '{}' is not supported", key));
    }
}

// Keywords other than annotations and `allowed`: what a combinator beside them cannot honour.
void check_alone(const Json& schema, std::string_view allowed, const std::string& where) {
    for (const auto& [key, value] : schema.items())
        if (key != allowed && !one_of(key, kAnnotations))
            SchemaConverter::fail(where, fmt::format("JSON Schema keyword '{}' beside '{}' is not supported", key, allowed));
}

bool has_type(const Json& value, std::string_view type) {
    if (type == "null") return value.is_null();
    if (type == "boolean") return value.is_boolean();
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    if (type == "string") return value.is_string();
    if (type == "number") return value.is_number();
    // integer: JSON Schema counts 1.0 as an integer too
    if (value.is_number_integer()) return true;
    if (!value.is_number_float()) return false;
    const double d = value.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
}

// A $ref fragment's pointer, percent-decoded ("#/$defs/a%20b" -> "/$defs/a b").
std::string percent_decoded(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// Rule names are [a-zA-Z0-9-]: anything else becomes '-', runs of '-' one, none at the ends.
std::string sanitized(std::string_view s) {
    std::string out;
    for (const char c : s) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (keep)
            out += c;
        else if (!out.empty() && out.back() != '-')
            out += '-';
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out;
}

bool is_rule_name(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    });
}

}  // namespace

void SchemaConverter::fail(const std::string& where, const std::string& what) {
    throw Error(ErrorCode::invalid_argument, fmt::format("{} (at {})", what, where_text(where)));
}

bool accepts_anything(const Json& schema) {
    if (schema.is_boolean()) return schema.get<bool>();
    if (!schema.is_object()) return false;
    for (const auto& [key, value] : schema.items())
        if (!one_of(key, kAnnotations)) return false;
    return true;
}

std::optional<uint64_t> count_keyword(const Json& schema, const char* keyword, const std::string& where) {
    const auto it = schema.find(keyword);
    if (it == schema.end()) return std::nullopt;
    if (it->is_number_unsigned()) return it->get<uint64_t>();
    if (it->is_number_integer() && it->get<int64_t>() >= 0) return static_cast<uint64_t>(it->get<int64_t>());
    if (it->is_number_float() && has_type(*it, "integer") && it->get<double>() >= 0 && it->get<double>() < 1e18)
        return static_cast<uint64_t>(it->get<double>());
    SchemaConverter::fail(where, fmt::format("JSON Schema '{}' must be a non-negative integer", keyword));
}

std::string child_pointer(const std::string& where, std::string_view key) {
    std::string out = where + "/";
    for (const char c : key) out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    return out;
}

std::string child_hint(const std::string& hint, std::string_view key) {
    std::string part = sanitized(key);
    if (part.empty()) part = "property";
    return hint == "root" ? part : hint + "-" + part;
}

std::string SchemaConverter::fresh_name(const std::string& hint) {
    std::string base = sanitized(hint);
    if (base.empty()) base = "schema";
    // "a-1" could be the GBNF parser's first helper rule of a rule "a".
    const size_t dash = base.rfind('-');
    if (dash != std::string::npos && base.find_first_not_of("0123456789", dash + 1) == std::string::npos)
        base.insert(dash + 1, "n");
    std::string name = base;
    for (int n = 2; names_.count(name) > 0 || is_shared_rule(name); ++n) name = base + std::to_string(n);
    names_.insert(name);
    return name;
}

std::string SchemaConverter::convert(std::string_view prefix, std::string_view suffix) {
    names_.insert("root");
    // Wrapped, the schema's own rule gets another name ("$ref": "#" means the schema, not the
    // wrapper); its children keep the short hints of an unwrapped root.
    const bool wrapped = !prefix.empty() || !suffix.empty();
    const std::string schema_rule = wrapped ? fresh_name("schema-root") : "root";
    ref_names_[""] = schema_rule;  // "$ref": "#"
    const std::string root_body = body(root_, "", "root");
    rules_.insert(rules_.begin(), Rule{schema_rule, root_body});
    if (wrapped) {
        std::string wrapper = schema_rule;
        if (!prefix.empty()) wrapper = gbnf_literal(prefix) + " " + wrapper;
        if (!suffix.empty()) wrapper += " " + gbnf_literal(suffix);
        rules_.insert(rules_.begin(), Rule{"root", wrapper});
    }
    std::string out;
    for (const Rule& r : rules_) out += fmt::format("{} ::= {}\n", r.name, r.body);
    return out + shared_.text();
}

std::string SchemaConverter::expression(const Json& schema, const std::string& where, const std::string& hint) {
    // Rules are written parent first: the children body() makes land after this slot.
    const size_t slot = rules_.size();
    std::string b = body(schema, where, hint);
    if (is_rule_name(b)) return b;
    const std::string name = fresh_name(hint);
    rules_.insert(rules_.begin() + static_cast<std::ptrdiff_t>(slot), Rule{name, std::move(b)});
    return name;
}

std::string SchemaConverter::body(const Json& schema, const std::string& where, const std::string& hint) {
    struct Depth {
        int& d;
        explicit Depth(int& depth) : d(++depth) {}
        ~Depth() { --d; }
    } depth(depth_);
    if (depth_ > kMaxDepth) fail(where, fmt::format("JSON Schema nested deeper than {} levels", kMaxDepth));

    if (schema.is_boolean()) {
        if (!schema.get<bool>()) fail(where, "JSON Schema false accepts no value");
        return shared("value");
    }
    if (!schema.is_object()) fail(where, "a JSON Schema must be an object or a boolean");
    check_keywords(schema, where);

    if (schema.contains("$ref")) {
        check_alone(schema, "$ref", where);
        return ref_rule(schema, where);
    }
    if (schema.contains("allOf")) {
        check_alone(schema, "allOf", where);
        const Json& all = schema["allOf"];
        if (!all.is_array() || all.size() != 1)
            fail(where, "JSON Schema 'allOf' is supported with exactly one schema only");
        return body(all[0], child_pointer(where, "allOf") + "/0", hint);
    }
    if (schema.contains("anyOf") || schema.contains("oneOf")) return alternatives_body(schema, where, hint);
    if (schema.contains("const") || schema.contains("enum")) return literal_body(schema, where);

    std::vector<std::string> types;
    if (const auto t = schema.find("type"); t != schema.end()) {
        const Json list = t->is_array() ? *t : Json::array({*t});
        for (const Json& one : list) {
            if (!one.is_string() || !one_of(one.get<std::string>(), kTypes))
                fail(where, fmt::format("JSON Schema 'type' {} is not a type name", one.dump()));
            if (std::find(types.begin(), types.end(), one.get<std::string>()) == types.end())
                types.push_back(one.get<std::string>());
        }
        if (types.empty()) fail(where, "JSON Schema 'type' [] accepts no value");
    } else {
        // No type: the keywords present say what is meant ({"properties": ...} is an object).
        auto any = [&](std::initializer_list<const char*> keys) {
            return std::any_of(keys.begin(), keys.end(), [&](const char* k) { return schema.contains(k); });
        };
        if (any({"properties", "required", "additionalProperties"})) types.push_back("object");
        if (any({"items", "prefixItems", "additionalItems", "minItems", "maxItems"})) types.push_back("array");
        if (any({"minLength", "maxLength", "format", "pattern"})) types.push_back("string");
        if (any({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})) types.push_back("number");
        if (types.empty()) return shared("value");
    }
    if (types.size() == 1) return type_body(types[0], schema, where, hint);
    std::vector<std::string> alts;
    for (const std::string& type : types) {
        std::string b = type_body(type, schema, where, child_hint(hint, type));
        alts.push_back(is_rule_name(b) ? b : "( " + b + " )");
    }
    return fmt::format("{}", fmt::join(alts, " | "));
}

std::string SchemaConverter::type_body(std::string_view type, const Json& schema, const std::string& where,
                                       const std::string& hint) {
    // format is read by string_body and numeric_body; it says nothing about the other types.
    if (type == "null" || type == "boolean") return shared(type);
    if (type == "string") return string_body(schema, where);
    if (type == "integer" || type == "number") return numeric_body(type, schema, where);
    if (type == "object") return object_body(schema, where, hint);
    return array_body(schema, where, hint);
}

std::string SchemaConverter::ref_rule(const Json& schema, const std::string& where) {
    const Json& ref = schema["$ref"];
    if (!ref.is_string() || ref.get<std::string>().empty() || ref.get<std::string>()[0] != '#')
        fail(where, fmt::format("JSON Schema '$ref' {} is not supported (only '#' and '#/...' within the schema)", ref.dump()));
    const std::string pointer = percent_decoded(std::string_view(ref.get<std::string>()).substr(1));
    if (const auto known = ref_names_.find(pointer); known != ref_names_.end()) return known->second;

    const Json* target = nullptr;
    try {
        const Json::json_pointer p(pointer);
        if (root_.contains(p)) target = &root_.at(p);
    } catch (const nlohmann::json::exception&) {
    }
    if (target == nullptr) fail(where, fmt::format("JSON Schema '$ref' {} points at nothing", ref.dump()));

    // The rule exists (by name) before its body is made, so a recursive $ref finds it.
    const std::string name = fresh_name(pointer.substr(pointer.rfind('/') + 1));
    ref_names_[pointer] = name;
    const size_t slot = rules_.size();
    std::string b = body(*target, pointer, name);
    rules_.insert(rules_.begin() + static_cast<std::ptrdiff_t>(slot), Rule{name, std::move(b)});
    return name;
}

// anyOf and oneOf as alternatives. oneOf's "exactly one" is not enforced: a text matching two
// branches is accepted (schemas whose branches overlap are rare, and excluding the overlap is
// beyond a context-free grammar built this way).
std::string SchemaConverter::alternatives_body(const Json& schema, const std::string& where, const std::string& hint) {
    if (schema.contains("anyOf") && schema.contains("oneOf"))
        fail(where, "JSON Schema 'anyOf' together with 'oneOf' is not supported");
    const char* keyword = schema.contains("anyOf") ? "anyOf" : "oneOf";
    check_alone(schema, keyword, where);
    const Json& list = schema[keyword];
    if (!list.is_array() || list.empty()) fail(where, fmt::format("JSON Schema '{}' must be a non-empty array", keyword));
    std::vector<std::string> alts;
    for (size_t i = 0; i < list.size(); ++i) {
        if (list[i] == Json(false)) continue;  // a branch that accepts nothing
        alts.push_back(expression(list[i], fmt::format("{}/{}", child_pointer(where, keyword), i),
                                  child_hint(hint, fmt::format("option{}", i + 1))));
    }
    if (alts.empty()) fail(where, fmt::format("JSON Schema '{}' accepts no value", keyword));
    return fmt::format("{}", fmt::join(alts, " | "));
}

// const and enum: the values themselves, written compactly (no spaces inside objects and
// arrays). Beside them only `type` is applied (to filter the values); other keywords next to an
// enum cannot widen it, and the values are taken to be what the author meant.
std::string SchemaConverter::literal_body(const Json& schema, const std::string& where) {
    std::vector<Json> values;
    if (schema.contains("enum")) {
        if (!schema["enum"].is_array() || schema["enum"].empty()) fail(where, "JSON Schema 'enum' must be a non-empty array");
        values.assign(schema["enum"].begin(), schema["enum"].end());
    }
    if (schema.contains("const")) {
        if (schema.contains("enum") && std::find(values.begin(), values.end(), schema["const"]) == values.end())
            fail(where, "JSON Schema 'const' is not one of the 'enum' values: no value is accepted");
        values = {schema["const"]};
    }
    if (const auto t = schema.find("type"); t != schema.end()) {
        const Json types = t->is_array() ? *t : Json::array({*t});
        std::erase_if(values, [&](const Json& v) {
            return std::none_of(types.begin(), types.end(),
                                [&](const Json& type) { return type.is_string() && has_type(v, type.get<std::string>()); });
        });
        if (values.empty()) fail(where, "no JSON Schema 'enum'/'const' value has the schema's 'type'");
    }
    std::vector<std::string> alts;
    for (const Json& v : values) alts.push_back(gbnf_literal(v.dump()));
    return fmt::format("{}", fmt::join(alts, " | "));
}

}  // namespace hearth::grammar
