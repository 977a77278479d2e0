// Byte-level reading with partial UTF-8 characters (utf8_reader.hpp).
#include "grammar/utf8_reader.hpp"

#include <algorithm>

namespace hearth::grammar {

ByteState read_byte(StateSpace& space, ByteState s, uint8_t b) {
    ByteState dead;
    if (s.remaining == 0) {
        if (b < 0x80) return ByteState{space.advance(s.state, b)};
        if (b >= 0xC2 && b <= 0xDF) s = {s.state, b & 0x1Fu, 0x80, 1};
        else if (b >= 0xE0 && b <= 0xEF) s = {s.state, b & 0x0Fu, 0x800, 2};
        else if (b >= 0xF0 && b <= 0xF4) s = {s.state, b & 0x07u, 0x10000, 3};
        else return dead;  // a continuation byte or a lead byte UTF-8 never uses
    } else {
        if ((b & 0xC0) != 0x80) return dead;
        s.partial = s.partial << 6 | (b & 0x3Fu);
        --s.remaining;
    }
    const auto is_surrogate = [](uint32_t c) { return c >= 0xD800 && c <= 0xDFFF; };
    if (s.remaining == 0) {
        if (s.partial < s.min_cp || s.partial > kMaxCodePoint || is_surrogate(s.partial)) return dead;
        return ByteState{space.advance(s.state, s.partial)};
    }
    // The code points this prefix can still become.
    const uint32_t shift = 6u * s.remaining;
    const uint32_t lo = std::max(s.partial << shift, s.min_cp);
    const uint32_t hi = std::min((s.partial << shift) | ((1u << shift) - 1), kMaxCodePoint);
    if (lo > hi || (is_surrogate(lo) && is_surrogate(hi))) return dead;
    return space.may_read(s.state, lo, hi) ? s : dead;
}

ByteState read_bytes(StateSpace& space, ByteState s, std::string_view bytes) {
    for (char c : bytes) {
        s = read_byte(space, s, static_cast<uint8_t>(c));
        if (s.dead()) break;
    }
    return s;
}

}  // namespace hearth::grammar
