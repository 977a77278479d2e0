// UTF-8 decoding with llama.cpp's exact rules, code point classes for the pre-tokenizers, and the
// GPT-2 byte-level alphabet (each byte <-> one printable code point).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::unicode {

// Class of a code point in the low two bits, plus flag bits.
enum CpClass : uint8_t { kOther = 0, kLetter = 1, kNumber = 2, kPunct = 3 };
inline constexpr uint8_t kClassMask = 3;
inline constexpr uint8_t kWhitespace = 4;  // White_Space property (independent of the class)

struct CpRange {
    uint32_t first;
    uint8_t flags;
};
extern const CpRange kCpRanges[];  // unicode_data.cpp (generated)
extern const size_t kCpRangeCount;

// Class | whitespace flag of any code point (above U+10FFFF: kOther).
uint8_t cp_flags(uint32_t cp) noexcept;

inline bool is_letter(uint8_t f) noexcept { return (f & kClassMask) == kLetter; }
inline bool is_number(uint8_t f) noexcept { return (f & kClassMask) == kNumber; }
inline bool is_punct(uint8_t f) noexcept { return (f & kClassMask) == kPunct; }
inline bool is_space(uint8_t f) noexcept { return (f & kWhitespace) != 0; }

// Length of the UTF-8 sequence a lead byte announces, judged by its high four bits only
// (continuation bytes count as 1), which is how llama.cpp cuts text into symbols.
inline size_t lead_len(uint8_t b) noexcept {
    static constexpr uint8_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return kLen[b >> 4];
}

struct Decoded {
    uint32_t cp;
    uint32_t len;  // bytes consumed
};
// Decodes one code point at s[0..n). Like llama.cpp: no overlong or surrogate checks; a bad
// lead byte or a missing continuation byte yields U+FFFD consuming one byte.
Decoded decode(const char* s, size_t n) noexcept;

void append_utf8(std::string& out, uint32_t cp);

// Rewrites text the way llama.cpp sees it before BPE splitting: every code point decoded by
// decode() and re-encoded (invalid bytes become U+FFFD). Returns false, leaving out untouched,
// when text is already in that form (the common case, checked without allocating).
bool normalize_for_bpe(std::string_view text, std::string& out);

// True when the bytes form complete, valid UTF-8 (no surrogates, no overlongs).
bool is_valid_utf8(std::string_view s) noexcept;
// Length of the longest prefix of s that a strict UTF-8 decoder could still extend into a valid
// character (0 when s[0] can never start one). Used by the streaming decoder.
size_t incomplete_prefix(std::string_view s) noexcept;

// GPT-2 byte-level alphabet.
const std::array<uint32_t, 256>& byte_to_cp() noexcept;
// The byte a code point stands for, or -1 when it is not in the alphabet.
int cp_to_byte(uint32_t cp) noexcept;

}  // namespace hearth::unicode
