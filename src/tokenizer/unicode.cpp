// UTF-8 helpers and code point class lookup (ASCII by table, the rest by binary search).
#include "unicode.hpp"

#include <algorithm>

namespace hearth::unicode {

namespace {

struct AsciiTable {
    std::array<uint8_t, 128> flags{};
    AsciiTable() {
        for (uint32_t c = 0; c < 128; ++c) flags[c] = lookup(c);
    }
    static uint8_t lookup(uint32_t cp) {
        const CpRange* end = kCpRanges + kCpRangeCount;
        const CpRange* it = std::upper_bound(kCpRanges, end, cp, [](uint32_t v, const CpRange& r) { return v < r.first; });
        return it == kCpRanges ? static_cast<uint8_t>(kOther) : (it - 1)->flags;
    }
};

const AsciiTable& ascii() {
    static const AsciiTable table;
    return table;
}

struct ByteAlphabet {
    std::array<uint32_t, 256> to_cp{};
    std::array<int16_t, 324> from_cp{};  // every alphabet code point is below 324
    ByteAlphabet() {
        from_cp.fill(-1);
        uint32_t next = 256;
        for (uint32_t b = 0; b < 256; ++b) {
            const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            to_cp[b] = printable ? b : next++;
            from_cp[to_cp[b]] = static_cast<int16_t>(b);
        }
    }
};

const ByteAlphabet& alphabet() {
    static const ByteAlphabet a;
    return a;
}

}  // namespace

uint8_t cp_flags(uint32_t cp) noexcept {
    if (cp < 128) return ascii().flags[cp];
    if (cp > 0x10FFFF) return static_cast<uint8_t>(kOther);
    return AsciiTable::lookup(cp);
}

Decoded decode(const char* s, size_t n) noexcept {
    const auto b0 = static_cast<uint8_t>(s[0]);
    auto cont = [&](size_t i) { return i < n && (static_cast<uint8_t>(s[i]) & 0xC0) == 0x80; };
    auto low6 = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(s[i]) & 0x3F); };
    if (b0 < 0x80) return {b0, 1};
    if (!(b0 & 0x40)) return {0xFFFD, 1};
    if (!(b0 & 0x20)) {
        if (!cont(1)) return {0xFFFD, 1};
        return {((b0 & 0x1Fu) << 6) | low6(1), 2};
    }
    if (!(b0 & 0x10)) {
        if (!cont(1) || !cont(2)) return {0xFFFD, 1};
        return {((b0 & 0x0Fu) << 12) | (low6(1) << 6) | low6(2), 3};
    }
    if (!(b0 & 0x08)) {
        if (!cont(1) || !cont(2) || !cont(3)) return {0xFFFD, 1};
        return {((b0 & 0x07u) << 18) | (low6(1) << 12) | (low6(2) << 6) | low6(3), 4};
    }
    return {0xFFFD, 1};
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp > 0x10FFFF) cp = 0xFFFD;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

namespace {
// Bytes append_utf8 writes for cp: a decoded sequence survives the round trip unchanged only
// when this equals the bytes it was decoded from (overlongs and >U+10FFFF do not).
size_t encoded_len(uint32_t cp) noexcept {
    if (cp > 0x10FFFF) return 3;  // becomes U+FFFD
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}
}  // namespace

bool normalize_for_bpe(std::string_view text, std::string& out) {
    size_t i = 0;
    for (; i < text.size();) {
        const auto b = static_cast<uint8_t>(text[i]);
        if (b < 0x80) {
            ++i;
            continue;
        }
        const Decoded d = decode(text.data() + i, text.size() - i);
        if (d.cp == 0xFFFD && d.len == 1) break;
        if (encoded_len(d.cp) != d.len || d.cp > 0x10FFFF) break;
        i += d.len;
    }
    if (i == text.size()) return false;
    out.assign(text.substr(0, i));
    while (i < text.size()) {
        const Decoded d = decode(text.data() + i, text.size() - i);
        append_utf8(out, d.cp);
        i += d.len;
    }
    return true;
}

namespace {
// Valid continuation range for the second byte of a sequence led by b0 (strict UTF-8).
bool second_ok(uint8_t b0, uint8_t b1) noexcept {
    if ((b1 & 0xC0) != 0x80) return false;
    if (b0 == 0xE0) return b1 >= 0xA0;
    if (b0 == 0xED) return b1 < 0xA0;
    if (b0 == 0xF0) return b1 >= 0x90;
    if (b0 == 0xF4) return b1 < 0x90;
    return true;
}
size_t strict_len(uint8_t b0) noexcept {
    if (b0 < 0x80) return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF) return 2;
    if (b0 >= 0xE0 && b0 <= 0xEF) return 3;
    if (b0 >= 0xF0 && b0 <= 0xF4) return 4;
    return 0;
}
}  // namespace

size_t incomplete_prefix(std::string_view s) noexcept {
    if (s.empty()) return 0;
    const auto b0 = static_cast<uint8_t>(s[0]);
    const size_t need = strict_len(b0);
    if (need == 0) return 0;
    size_t i = 1;
    for (; i < s.size() && i < need; ++i) {
        const auto b = static_cast<uint8_t>(s[i]);
        if (i == 1 ? !second_ok(b0, b) : (b & 0xC0) != 0x80) return 0;
    }
    return i;
}

bool is_valid_utf8(std::string_view s) noexcept {
    size_t i = 0;
    while (i < s.size()) {
        const size_t need = strict_len(static_cast<uint8_t>(s[i]));
        if (need == 0 || incomplete_prefix(s.substr(i, need)) != need || i + need > s.size()) return false;
        i += need;
    }
    return true;
}

const std::array<uint32_t, 256>& byte_to_cp() noexcept { return alphabet().to_cp; }

int cp_to_byte(uint32_t cp) noexcept {
    const auto& a = alphabet();
    return cp < a.from_cp.size() ? a.from_cp[cp] : -1;
}

}  // namespace hearth::unicode
