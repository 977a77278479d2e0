// WordPiece (tokenizer.ggml.model "bert"), as llama.cpp's WPM tokenizer runs it: each code point
// replaced by the first one of its NFD form (accents off precomposed letters) and lower-cased,
// control characters and combining marks dropped (llama.cpp 3.22.1 drops both, measured), words split at white space, every punctuation mark, ASCII symbol
// and CJK ideograph its own word; then each word, behind the word-start mark "▁", is cut greedily
// into the longest pieces the vocabulary has, and a word that cannot be cut entirely is [UNK].
#include <algorithm>

#include "tokenizer_impl.hpp"
#include "unicode.hpp"
#include "wpm_data.hpp"

namespace hearth {

namespace {

constexpr std::string_view kWordStart = "\xE2\x96\x81";  // U+2581

uint32_t nfd_base(uint32_t cp) noexcept {
    const unicode::NfdRange* end = unicode::kNfdRanges + unicode::kNfdRangeCount;
    const auto* it = std::upper_bound(unicode::kNfdRanges, end, cp, [](uint32_t c, const unicode::NfdRange& r) { return c < r.first; });
    if (it == unicode::kNfdRanges) return cp;
    --it;
    return cp <= it->last ? it->base : cp;
}

uint32_t to_lower(uint32_t cp) noexcept {
    const unicode::CpPair* end = unicode::kLowerPairs + unicode::kLowerPairCount;
    const auto* it = std::lower_bound(unicode::kLowerPairs, end, cp, [](const unicode::CpPair& p, uint32_t c) { return p.a < c; });
    return it != end && it->a == cp ? it->b : cp;
}

bool is_dropped(uint32_t cp) noexcept {  // control characters and combining marks
    const unicode::CpPair* end = unicode::kDroppedRanges + unicode::kDroppedRangeCount;
    const auto* it = std::upper_bound(unicode::kDroppedRanges, end, cp, [](uint32_t c, const unicode::CpPair& r) { return c < r.a; });
    return it != unicode::kDroppedRanges && cp <= (it - 1)->b;
}

// General category S* below U+007F: llama.cpp splits these off, but no symbol above ASCII.
bool is_ascii_symbol(uint32_t cp) noexcept { return cp < 0x7F && std::string_view("$+<=>^`|~").find(static_cast<char>(cp)) != std::string_view::npos; }

// The CJK ideograph blocks BERT's BasicTokenizer isolates (with its 0x2B920 for 0x2B820).
bool is_cjk(uint32_t cp) noexcept {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
           (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

}  // namespace

void Tokenizer::Impl::build_wpm() {
    max_token_len = 0;
    for (std::string_view s : texts) max_token_len = std::max(max_token_len, s.size());
}

void Tokenizer::Impl::encode_wpm_word(std::string_view word, std::vector<TokenId>& out) const {
    const size_t n = word.size(), before = out.size();
    for (size_t i = 0; i < n;) {
        // Longest piece first; lengths are in bytes, as the vocabulary's texts are.
        size_t len = std::min(n - i, max_token_len);
        TokenId id = -1;
        for (; len > 0; --len)
            if ((id = lookup(word.substr(i, len))) >= 0) break;
        if (id < 0) {  // this position starts no piece: the whole word is unknown
            out.resize(before);
            break;
        }
        out.push_back(id);
        i += len;
    }
    if (out.size() == before && unk >= 0) out.push_back(unk);
}

void Tokenizer::Impl::encode_wpm(std::string_view text, std::vector<TokenId>& out) const {
    std::string word(kWordStart);  // the current word behind its start mark
    auto flush = [&] {
        if (word.size() > kWordStart.size()) encode_wpm_word(word, out);
        word.resize(kWordStart.size());
    };
    for (size_t i = 0; i < text.size();) {
        const unicode::Decoded d = unicode::decode(text.data() + i, text.size() - i);
        i += d.len;
        const uint32_t cp = nfd_base(d.cp);
        const uint8_t flags = unicode::cp_flags(cp);
        if (unicode::is_space(flags)) {
            flush();
            continue;
        }
        if (cp == 0 || cp == 0xFFFD || is_dropped(cp)) continue;
        if (unicode::is_punct(flags) || is_ascii_symbol(cp) || is_cjk(cp)) {
            flush();
            unicode::append_utf8(word, to_lower(cp));
            flush();
            continue;
        }
        unicode::append_utf8(word, to_lower(cp));
    }
    flush();
}

}  // namespace hearth
