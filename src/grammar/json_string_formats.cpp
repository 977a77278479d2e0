// GBNF for the JSON Schema string formats hearth can honour exactly: date, time and date-time of
// RFC 3339 (section 5.6), uuid of RFC 4122 (any version, either case) and dotted-quad ipv4.
#include <array>

#include "grammar/json_gbnf_rules.hpp"

namespace hearth::grammar {
namespace {

// Days are checked against the month (30 or 31, February up to 29); whether the 29th of February
// falls in a leap year is not: that would need the year's digits to agree with the day's.
// Seconds go to 60 for leap seconds; the time offset is required, as RFC 3339 full-time says.
// RFC 3339 also allows a lower-case "t" and "z"; only the upper-case ones are written, which
// every date parser reads (Python's fromisoformat before 3.11 rejects "z", for one).
constexpr std::array kFormatRules = {
    SharedRuleDef{"date-string", R"("\"" full-date "\"")", "full-date"},
    SharedRuleDef{"time-string", R"("\"" full-time "\"")", "full-time"},
    SharedRuleDef{"date-time-string", R"("\"" full-date "T" full-time "\"")", "full-date full-time"},
    SharedRuleDef{"full-date",
                  R"([0-9]{4} "-" ( ( "0" [13578] | "1" [02] ) "-" long-month-day | ( "0" [469] | "11" ) "-" short-month-day | "02-" february-day ))",
                  "long-month-day short-month-day february-day"},
    SharedRuleDef{"february-day", R"("0" [1-9] | [12] [0-9])", ""},
    SharedRuleDef{"short-month-day", R"("0" [1-9] | [12] [0-9] | "30")", ""},
    SharedRuleDef{"long-month-day", R"("0" [1-9] | [12] [0-9] | "3" [01])", ""},
    SharedRuleDef{"full-time", R"(time-hour ":" [0-5] [0-9] ":" ( [0-5] [0-9] | "60" ) ( "." [0-9]{1,9} )? time-offset)",
                  "time-hour time-offset"},
    SharedRuleDef{"time-hour", R"([01] [0-9] | "2" [0-3])", ""},
    SharedRuleDef{"time-offset", R"("Z" | [+-] time-hour ":" [0-5] [0-9])", "time-hour"},
    SharedRuleDef{"uuid-string",
                  R"("\"" [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12} "\"")", ""},
    SharedRuleDef{"ipv4-string", R"("\"" ipv4-octet ( "." ipv4-octet ){3} "\"")", "ipv4-octet"},
    // 0-255 without leading zeros.
    SharedRuleDef{"ipv4-octet", R"("25" [0-5] | "2" [0-4] [0-9] | "1" [0-9] [0-9] | [1-9]? [0-9])", ""},
};

struct FormatInfo {
    std::string_view format;
    std::string_view rule;
    LengthRange length;
};

// Lengths: time is hh:mm:ss (8), a fraction of up to 9 digits (0-10) and Z or +hh:mm (1-6).
constexpr std::array kFormats = {
    FormatInfo{"date", "date-string", {10, 10}},
    FormatInfo{"time", "time-string", {9, 24}},
    FormatInfo{"date-time", "date-time-string", {20, 35}},
    FormatInfo{"uuid", "uuid-string", {36, 36}},
    FormatInfo{"ipv4", "ipv4-string", {7, 15}},
};

const FormatInfo* find_format(std::string_view format) {
    for (const FormatInfo& f : kFormats)
        if (f.format == format) return &f;
    return nullptr;
}

}  // namespace

std::span<const SharedRuleDef> string_format_rules() { return kFormatRules; }

std::optional<std::string> string_format_rule(std::string_view format) {
    const FormatInfo* f = find_format(format);
    if (f == nullptr) return std::nullopt;
    return std::string(f->rule);
}

LengthRange string_format_length(std::string_view format) {
    const FormatInfo* f = find_format(format);
    return f == nullptr ? LengthRange{} : f->length;
}

}  // namespace hearth::grammar
