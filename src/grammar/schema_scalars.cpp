// Strings (minLength, maxLength, format, pattern) and numbers (minimum, maximum and their exclusive forms)
// of the JSON Schema -> GBNF conversion (schema_converter.hpp).
#include <fmt/format.h>

#include "grammar/number_range_gbnf.hpp"
#include "grammar/pattern_gbnf.hpp"
#include "grammar/schema_converter.hpp"
#include "hearth/error.hpp"

namespace hearth::grammar {
namespace {

int compare_magnitudes(const Decimal& a, const Decimal& b) {
    if (a.huge || b.huge) return a.huge == b.huge ? 0 : a.huge ? 1 : -1;
    if (a.whole != b.whole) return a.whole < b.whole ? -1 : 1;
    return a.fraction < b.fraction ? -1 : a.fraction > b.fraction ? 1 : 0;  // no trailing zeros
}

int compare(const Decimal& a, const Decimal& b) {
    if (a.negative != b.negative) return a.negative ? -1 : 1;
    const int c = compare_magnitudes(a, b);
    return a.negative ? -c : c;
}

std::optional<Decimal> number_keyword(const Json& schema, const char* keyword, const std::string& where) {
    const auto it = schema.find(keyword);
    if (it == schema.end()) return std::nullopt;
    if (it->is_number_unsigned()) return decimal_of(it->get<uint64_t>());
    if (it->is_number_integer()) return decimal_of(it->get<int64_t>());
    if (!it->is_number_float()) SchemaConverter::fail(where, fmt::format("JSON Schema '{}' must be a number", keyword));
    try {
        return decimal_of(it->get<double>());
    } catch (const Error& e) {
        SchemaConverter::fail(where, fmt::format("JSON Schema '{}': {}", keyword, e.what()));
    }
}

// The tighter of two bounds on the same side (lower: the larger; at a tie the exclusive one).
std::optional<NumberBound> tighter(const std::optional<NumberBound>& a, const std::optional<NumberBound>& b, bool lower) {
    if (!a || !b) return a ? a : b;
    const int c = compare(a->value, b->value);
    if (c == 0) return a->inclusive ? b : a;
    return (c > 0) == lower ? a : b;
}

// One side's bound from "minimum"/"exclusiveMinimum" (or the maximum pair). exclusiveMinimum is a
// number since draft 6; in draft 4 it was a boolean that made "minimum" exclusive.
std::optional<NumberBound> bound(const Json& schema, const char* keyword, const char* exclusive_keyword, bool lower,
                                 const std::string& where) {
    std::optional<NumberBound> inclusive, exclusive;
    if (auto v = number_keyword(schema, keyword, where)) inclusive = NumberBound{*v, true};
    const auto ex = schema.find(exclusive_keyword);
    if (ex != schema.end() && ex->is_boolean()) {
        if (ex->get<bool>()) {
            if (!inclusive) SchemaConverter::fail(where, fmt::format("JSON Schema '{}': true needs '{}'", exclusive_keyword, keyword));
            inclusive->inclusive = false;
        }
    } else if (auto v = number_keyword(schema, exclusive_keyword, where)) {
        exclusive = NumberBound{*v, false};
    }
    return tighter(inclusive, exclusive, lower);
}

}  // namespace

std::string SchemaConverter::string_body(const Json& schema, const std::string& where) {
    const auto min = count_keyword(schema, "minLength", where);
    const auto max = count_keyword(schema, "maxLength", where);
    if (min && max && *min > *max) fail(where, "JSON Schema 'minLength' is above 'maxLength': no string is accepted");
    if (const auto p = schema.find("pattern"); p != schema.end()) {
        if (!p->is_string()) fail(where, "JSON Schema 'pattern' must be a string");
        // Lengths and formats would have to be intersected with the pattern's language.
        for (const char* other : {"minLength", "maxLength", "format"})
            if (schema.contains(other)) fail(where, fmt::format("JSON Schema '{}' together with 'pattern' is not supported", other));
        try {
            return fmt::format(R"("\"" {} "\"")", pattern_gbnf(p->get<std::string>(), shared("char")));
        } catch (const Error& e) {
            fail(where, fmt::format("JSON Schema 'pattern' {}: {}", p->dump(), e.what()));
        }
    }
    if (const auto f = schema.find("format"); f != schema.end()) {
        const std::optional<std::string> rule = f->is_string() ? string_format_rule(f->get<std::string>()) : std::nullopt;
        if (!rule) fail(where, fmt::format("JSON Schema format {} is not supported", f->dump()));
        // A length limit that every string of the format meets changes nothing; one that would
        // exclude some of them is not combined with the format's grammar.
        const LengthRange length = string_format_length(f->get<std::string>());
        if ((min && *min > length.min) || (max && *max < length.max))
            fail(where, fmt::format("JSON Schema 'minLength'/'maxLength' that exclude some {} strings are not supported", f->dump()));
        return shared(*rule);
    }
    if (!min && !max) return shared("string");
    // Lengths count characters of the decoded string: one `char` is a character or one escape.
    return fmt::format(R"("\"" {} "\"")", gbnf_repeat(shared("char"), min.value_or(0), max));
}

std::string SchemaConverter::numeric_body(std::string_view type, const Json& schema, const std::string& where) {
    std::optional<NumberBound> lo = bound(schema, "minimum", "exclusiveMinimum", true, where);
    std::optional<NumberBound> hi = bound(schema, "maximum", "exclusiveMaximum", false, where);
    // The formats of OpenAPI that are bounds: int32 (int64 and double hold every number written).
    if (const auto f = schema.find("format"); f != schema.end()) {
        if (type == "integer" && *f == "int32") {
            lo = tighter(lo, NumberBound{decimal_of(int64_t{INT32_MIN}), true}, true);
            hi = tighter(hi, NumberBound{decimal_of(int64_t{INT32_MAX}), true}, false);
        } else if (!(type == "integer" && *f == "int64") && !(type == "number" && *f == "double")) {
            fail(where, fmt::format("JSON Schema format {} is not supported for type '{}'", f->dump(), type));
        }
    }
    if (!lo && !hi) return shared(type);
    const std::optional<std::string> range = type == "integer" ? integer_range_gbnf(lo, hi) : number_range_gbnf(lo, hi);
    if (!range)
        fail(where, fmt::format("no {} satisfies the JSON Schema bounds (hearth's numbers have at most 18 integer digits)", type));
    return *range;
}

}  // namespace hearth::grammar
