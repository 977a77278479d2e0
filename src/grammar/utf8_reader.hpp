// Reading a grammar's input byte by byte: tokens are bytes, and a token may end inside a UTF-8
// character (byte-fallback vocabularies spell rare characters as several byte tokens). A partial
// character is kept until it completes; meanwhile it is allowed only if some character it could
// still become may come next. Only strict UTF-8 is read (no overlongs, surrogates or stray
// continuation bytes): the text shown to the user must be the text the grammar accepted.
#pragma once

#include <cstdint>
#include <string_view>

#include "grammar/state_space.hpp"

namespace hearth::grammar {

struct ByteState {
    StateSpace::StateId state = StateSpace::kDead;
    uint32_t partial = 0;    // bits of the incomplete character read so far
    uint32_t min_cp = 0;     // the smallest code point its length may encode (no overlongs)
    uint8_t remaining = 0;   // continuation bytes still expected (0: between characters)

    bool dead() const noexcept { return state == StateSpace::kDead; }
    bool between_characters() const noexcept { return remaining == 0; }
};

ByteState read_byte(StateSpace& space, ByteState s, uint8_t byte);
// All of bytes, stopping early once dead.
ByteState read_bytes(StateSpace& space, ByteState s, std::string_view bytes);

}  // namespace hearth::grammar
