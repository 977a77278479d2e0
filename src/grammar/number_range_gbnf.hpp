// GBNF for JSON numbers between bounds, exact to the digit: "minimum": 1, "maximum": 12 admits
// 1, 2, ... 12 and nothing else; "exclusiveMinimum": 0.5 admits 0.51 but neither 0.5 nor 0.50.
// Built digit by digit from decimal bounds, so no bound is ever rounded through a double.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hearth::grammar {

// A bound as an exact decimal (a schema's number in its shortest round-trip form).
struct Decimal {
    bool negative = false;  // never set for zero
    bool huge = false;      // |value| >= 10^18: beyond every number a generated grammar writes
    uint64_t whole = 0;     // integer part of |value| (when !huge)
    std::string fraction;   // digits after the point, without trailing zeros
};
Decimal decimal_of(int64_t v);
Decimal decimal_of(uint64_t v);
// v must be finite. Throws Error(invalid_argument) when v needs more than 40 decimal places.
Decimal decimal_of(double v);

struct NumberBound {
    Decimal value;
    bool inclusive = true;
};

// The JSON integers between lo and hi (no leading zeros, no "-0"). An absent bound leaves that
// side open up to kMaxIntegerDigits digits (or the other bound's digits, if it has more).
// nullopt when no integer is in range.
std::optional<std::string> integer_range_gbnf(const std::optional<NumberBound>& lo, const std::optional<NumberBound>& hi);

// The same for JSON numbers with an optional fraction (kMaxFractionDigits digits past any that
// a bound itself needs) and no exponent, so that the value can be compared digit by digit.
std::optional<std::string> number_range_gbnf(const std::optional<NumberBound>& lo, const std::optional<NumberBound>& hi);

}  // namespace hearth::grammar
