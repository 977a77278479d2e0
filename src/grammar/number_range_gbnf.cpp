// Exact numeric ranges as GBNF (see number_range_gbnf.hpp). A number is split by sign into a
// magnitude range; a magnitude is a whole part (digit ranges of equal length, like 0-9 | 1[0-9] |
// 2[0-3] for 0..23) and a fraction, whose digit string compares like a word in a dictionary.
#include "grammar/number_range_gbnf.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "grammar/json_gbnf_rules.hpp"
#include "hearth/error.hpp"

namespace hearth::grammar {
namespace {

constexpr uint64_t kHuge = 1'000'000'000'000'000'000ULL;  // 10^18
constexpr int kMaxBoundDecimals = 40;

uint64_t largest_with_digits(int digits) {
    uint64_t v = 1;
    for (int i = 0; i < digits; ++i) v *= 10;
    return v - 1;
}

// The magnitude an open side of a range reaches.
const uint64_t kOpenEnd = largest_with_digits(kMaxIntegerDigits);

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (const std::string& p : parts) {
        if (p.empty()) continue;
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}

// Alternatives as a part of a sequence (each alternative is a sequence without a top-level '|').
std::string group(const std::vector<std::string>& alts) { return alts.size() == 1 ? alts[0] : "( " + join(alts, " | ") + " )"; }

std::string digit_class(int from, int to) {
    return from == to ? fmt::format("\"{}\"", from) : fmt::format("[{}-{}]", from, to);
}

std::string any_digits(size_t n) {
    return n == 0 ? "" : n == 1 ? "[0-9]" : fmt::format("[0-9]{{{}}}", n);
}

// Digit strings of equal length from l to h (l <= h, as numbers and so as strings).
std::string same_length_range(const std::string& l, const std::string& h) {
    size_t common = 0;
    while (common < l.size() && l[common] == h[common]) ++common;
    std::string prefix = common > 0 ? gbnf_literal(l.substr(0, common)) : "";
    if (common == l.size()) return prefix;
    const int l0 = l[common] - '0', h0 = h[common] - '0';
    const std::string lt = l.substr(common + 1), ht = h.substr(common + 1);
    const bool low_open = std::all_of(lt.begin(), lt.end(), [](char c) { return c == '0'; });
    const bool high_open = std::all_of(ht.begin(), ht.end(), [](char c) { return c == '9'; });
    // Leading digits whose tails may be anything: l0 if its tail starts from 00..0, h0 if its
    // tail reaches 99..9, and all digits strictly between.
    const int from = low_open ? l0 : l0 + 1, to = high_open ? h0 : h0 - 1;
    std::vector<std::string> alts;
    if (!low_open) alts.push_back(fmt::format("\"{}\" {}", l0, same_length_range(lt, std::string(lt.size(), '9'))));
    if (from <= to) alts.push_back(join({digit_class(from, to), any_digits(lt.size())}, " "));
    if (!high_open) alts.push_back(fmt::format("\"{}\" {}", h0, same_length_range(std::string(ht.size(), '0'), ht)));
    return join({prefix, group(alts)}, " ");
}

// Decimal numerals from a to b (a <= b) without leading zeros, as alternatives: one per length,
// except that lengths whose every numeral is in range share one ("[1-9] [0-9]{2,5}").
std::vector<std::string> whole_range(uint64_t a, uint64_t b) {
    std::vector<std::string> alts;
    if (a == 0) {
        alts.push_back("\"0\"");
        if (b == 0) return alts;
        a = 1;
    }
    const std::string sa = std::to_string(a), sb = std::to_string(b);
    size_t full_from = 0, full_to = 0;  // a run of complete lengths, not yet written
    auto flush_full = [&] {
        if (full_from == 0) return;
        const std::string tail = full_from == full_to ? any_digits(full_from - 1)
                                                      : fmt::format("[0-9]{{{},{}}}", full_from - 1, full_to - 1);
        alts.push_back(join({"[1-9]", tail}, " "));
        full_from = 0;
    };
    for (size_t len = sa.size(); len <= sb.size(); ++len) {
        std::string smallest(len, '0');  // 10..0
        smallest[0] = '1';
        const std::string lo = len == sa.size() ? sa : smallest;
        const std::string hi = len == sb.size() ? sb : std::string(len, '9');
        if (lo == smallest && hi == std::string(len, '9')) {
            if (full_from == 0) full_from = len;
            full_to = len;
            continue;
        }
        flush_full();
        alts.push_back(same_length_range(lo, hi));
    }
    flush_full();
    return alts;
}

// Adjacent literals read as one: "1" "2" -> "12", unless a repetition follows the second. The
// range builders write digit by digit; this is for whoever reads the grammar. Their literals hold
// only digits, '.' and '-', so a quote with no space before it closes a literal.
std::string merged_literals(const std::string& gbnf) {
    std::string out;
    for (size_t i = 0; i < gbnf.size(); ++i) {
        if (i > 0 && gbnf[i - 1] != ' ' && gbnf.compare(i, 3, "\" \"") == 0) {
            const size_t close = gbnf.find('"', i + 3);
            const char after = close + 1 < gbnf.size() ? gbnf[close + 1] : ' ';
            if (after == ' ' || after == ')') {
                i += 2;  // drop the quote, the space and the next opening quote
                continue;
            }
        }
        out += gbnf[i];
    }
    return out;
}

// --- fractions -------------------------------------------------------------------------------
// A fraction is the digit string F after the point, worth 0.F. A bound on it is a digit string
// without trailing zeros (empty = 0).

struct FractionBound {
    std::string digits;
    bool inclusive = true;
};

// The fractions within the bounds: whether the empty one (no point at all, worth 0) qualifies,
// and alternatives for the non-empty ones.
struct Fractions {
    bool empty_ok = false;
    std::vector<std::string> nonempty;
};

// A digit followed by a fraction tail from f, or "" when no tail qualifies.
std::string digit_then(const std::string& digit, const Fractions& f) {
    if (f.nonempty.empty()) return f.empty_ok ? digit : "";
    return f.empty_ok ? fmt::format("{} ( {} )?", digit, join(f.nonempty, " | ")) : digit + " " + group(f.nonempty);
}

Fractions fractions(std::optional<FractionBound> lo, std::optional<FractionBound> hi) {
    if (lo && lo->digits.empty() && lo->inclusive) lo.reset();  // >= 0 holds for every fraction
    Fractions out;
    out.empty_ok = !lo && (!hi || !hi->digits.empty() || hi->inclusive);
    if (hi && hi->digits.empty()) {
        // <= 0: only zeros (and then only without a lower bound, which is above 0 here); < 0: none.
        if (hi->inclusive && !lo) out.nonempty.push_back(fmt::format("\"0\"{{1,{}}}", kMaxFractionDigits));
        return out;
    }
    if (!lo && !hi) {
        out.nonempty.push_back(fmt::format("[0-9]{{1,{}}}", kMaxFractionDigits));
        return out;
    }
    if (lo && lo->digits.empty() && !hi) {  // > 0: some digit is not a zero
        out.nonempty.push_back(fmt::format("\"0\"{{0,{}}} [1-9] [0-9]{{0,{}}}", kMaxFractionDigits, kMaxFractionDigits));
        return out;
    }
    // The first digit d decides: below the bound's first digit, beyond it, or equal (then the rest
    // of the fraction is bounded by the rest of the bound).
    auto first = [](const FractionBound& b) { return b.digits.empty() ? 0 : b.digits[0] - '0'; };
    auto rest = [](const FractionBound& b) {
        return FractionBound{b.digits.empty() ? "" : b.digits.substr(1), b.inclusive};
    };
    auto add = [&](const std::string& alt) {
        if (!alt.empty()) out.nonempty.push_back(alt);
    };
    const int l0 = lo ? first(*lo) : 0, h0 = hi ? first(*hi) : 9;
    if (lo && hi && l0 == h0) {
        add(digit_then(digit_class(l0, l0), fractions(rest(*lo), rest(*hi))));
        return out;
    }
    int from = 0, to = 9;
    if (lo) {
        add(digit_then(digit_class(l0, l0), fractions(rest(*lo), std::nullopt)));
        from = l0 + 1;
    }
    if (hi) {
        add(digit_then(digit_class(h0, h0), fractions(std::nullopt, rest(*hi))));
        to = h0 - 1;
    }
    if (from <= to) add(fmt::format("{} [0-9]{{0,{}}}", digit_class(from, to), kMaxFractionDigits));
    return out;
}

// --- magnitudes ------------------------------------------------------------------------------

struct Magnitude {
    uint64_t whole = 0;
    std::string fraction;
};

struct MagnitudeBound {
    Magnitude value;
    bool inclusive = true;
};

int compare(const Magnitude& a, const Magnitude& b) {
    if (a.whole != b.whole) return a.whole < b.whole ? -1 : 1;
    return a.fraction < b.fraction ? -1 : a.fraction > b.fraction ? 1 : 0;  // no trailing zeros: string order is value order
}

// A whole part followed by the fractions f allows (nothing if f allows none).
std::string whole_then(const std::string& whole, const Fractions& f) {
    if (f.nonempty.empty()) return f.empty_ok ? whole : "";
    const std::string point_and_digits = fmt::format("\".\" {}", group(f.nonempty));
    return f.empty_ok ? fmt::format("{} ( {} )?", whole, point_and_digits) : whole + " " + point_and_digits;
}

// Unsigned decimal numerals (whole part, optional fraction) in [lo, hi]; hi absent: open.
std::vector<std::string> magnitude_range(const MagnitudeBound& lo, const std::optional<MagnitudeBound>& hi,
                                         bool fractions_allowed) {
    if (hi) {
        const int c = compare(lo.value, hi->value);
        if (c > 0 || (c == 0 && !(lo.inclusive && hi->inclusive))) return {};
    }
    const uint64_t top = hi ? hi->value.whole : std::max(kOpenEnd, lo.value.whole);
    const FractionBound lo_fraction{lo.value.fraction, lo.inclusive};
    std::optional<FractionBound> hi_fraction;
    if (hi) hi_fraction = FractionBound{hi->value.fraction, hi->inclusive};
    // Integers only: a whole part w qualifies when its (empty) fraction does.
    auto only_whole = [&](Fractions f) {
        if (!fractions_allowed) f.nonempty.clear();
        return f;
    };
    std::vector<std::string> alts;
    auto add = [&](const std::string& alt) {
        if (!alt.empty()) alts.push_back(alt);
    };
    const std::string lo_whole = gbnf_literal(std::to_string(lo.value.whole));
    if (hi && lo.value.whole == top) {
        add(whole_then(lo_whole, only_whole(fractions(lo_fraction, hi_fraction))));
        return alts;
    }
    add(whole_then(lo_whole, only_whole(fractions(lo_fraction, std::nullopt))));
    const uint64_t last_free = hi ? top - 1 : top;  // whole parts any fraction may follow
    if (lo.value.whole + 1 <= last_free) {
        const std::string wholes = group(whole_range(lo.value.whole + 1, last_free));
        add(fractions_allowed ? fmt::format("{} ( \".\" [0-9]{{1,{}}} )?", wholes, kMaxFractionDigits) : wholes);
    }
    if (hi) add(whole_then(gbnf_literal(std::to_string(top)), only_whole(fractions(std::nullopt, hi_fraction))));
    return alts;
}

Magnitude magnitude(const Decimal& d) { return Magnitude{d.whole, d.fraction}; }

// Splits [lo, hi] at zero: numbers >= 0 as magnitudes, numbers < 0 as "-" and magnitudes > 0.
std::optional<std::string> signed_range(const std::optional<NumberBound>& lo, const std::optional<NumberBound>& hi,
                                        bool fractions_allowed) {
    // A bound beyond 10^18 is no bound when it is on the far side, and unreachable otherwise.
    if ((lo && lo->value.huge && !lo->value.negative) || (hi && hi->value.huge && hi->value.negative)) return std::nullopt;
    const bool lo_open = !lo || lo->value.huge, hi_open = !hi || hi->value.huge;
    std::vector<std::string> alts;

    const bool hi_below_zero = !hi_open && (hi->value.negative || (compare(magnitude(hi->value), {}) == 0 && !hi->inclusive));
    if (!hi_below_zero) {
        MagnitudeBound from{{}, true};
        if (!lo_open && !lo->value.negative) from = {magnitude(lo->value), lo->inclusive};
        std::optional<MagnitudeBound> to;
        if (!hi_open) to = MagnitudeBound{magnitude(hi->value), hi->inclusive};
        for (std::string& alt : magnitude_range(from, to, fractions_allowed)) alts.push_back(std::move(alt));
    }

    const bool lo_at_or_above_zero = !lo_open && !lo->value.negative;
    if (!lo_at_or_above_zero) {
        MagnitudeBound from{{}, false};  // below zero: a magnitude above 0
        if (!hi_open && hi->value.negative) from = {magnitude(hi->value), hi->inclusive};
        std::optional<MagnitudeBound> to;
        if (!lo_open) to = MagnitudeBound{magnitude(lo->value), lo->inclusive};
        const std::vector<std::string> negative = magnitude_range(from, to, fractions_allowed);
        if (!negative.empty()) alts.push_back("\"-\" " + group(negative));
    }
    if (alts.empty()) return std::nullopt;
    return merged_literals(join(alts, " | "));
}

}  // namespace

Decimal decimal_of(int64_t v) {
    Decimal d;
    d.negative = v < 0;
    d.whole = v < 0 ? uint64_t(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    d.huge = d.whole >= kHuge;
    return d;
}

Decimal decimal_of(uint64_t v) {
    Decimal d;
    d.whole = v;
    d.huge = v >= kHuge;
    return d;
}

Decimal decimal_of(double v) {
    // The shortest text that reads back as v: what the schema's author most likely wrote.
    const std::string text = fmt::format("{}", v);
    Decimal d;
    size_t i = 0;
    if (i < text.size() && text[i] == '-') {
        d.negative = true;
        ++i;
    }
    std::string digits;
    long point = -1;  // digits before the decimal point
    for (; i < text.size() && text[i] != 'e'; ++i) {
        if (text[i] == '.')
            point = static_cast<long>(digits.size());
        else
            digits += text[i];
    }
    if (point < 0) point = static_cast<long>(digits.size());
    if (i < text.size()) point += std::stol(text.substr(i + 1));  // stol reads "+16" and "-07"

    std::string whole = point <= 0 ? "" : point >= long(digits.size()) ? digits + std::string(size_t(point) - digits.size(), '0')
                                                                          : digits.substr(0, size_t(point));
    d.fraction = point >= long(digits.size()) ? "" : point < 0 ? std::string(size_t(-point), '0') + digits : digits.substr(size_t(point));
    whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size()));
    while (!d.fraction.empty() && d.fraction.back() == '0') d.fraction.pop_back();
    if (whole.size() > 18) {
        d.huge = true;
        d.fraction.clear();
    } else {
        d.whole = whole.empty() ? 0 : std::stoull(whole);
    }
    if (d.fraction.size() > size_t(kMaxBoundDecimals))
        throw Error(ErrorCode::invalid_argument, fmt::format("{} has more than {} decimal places", text, kMaxBoundDecimals));
    if (!d.huge && d.whole == 0 && d.fraction.empty()) d.negative = false;
    return d;
}

std::optional<std::string> integer_range_gbnf(const std::optional<NumberBound>& lo, const std::optional<NumberBound>& hi) {
    return signed_range(lo, hi, false);
}

std::optional<std::string> number_range_gbnf(const std::optional<NumberBound>& lo, const std::optional<NumberBound>& hi) {
    return signed_range(lo, hi, true);
}

}  // namespace hearth::grammar
