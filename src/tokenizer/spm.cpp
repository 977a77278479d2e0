// SentencePiece-style BPE ("llama" vocabularies): spaces become U+2581, text is cut into UTF-8
// characters, and the adjacent pair whose joined text is the highest-scoring token is merged
// first (ties: leftmost), as llama.cpp's llm_tokenizer_spm does; leftovers become <0xNN> bytes.
#include <algorithm>

#include <fmt/format.h>

#include "tokenizer_impl.hpp"
#include "unicode.hpp"

namespace hearth {

namespace {

struct Symbol {
    uint32_t start;
    uint32_t len;  // 0 once merged into its left neighbour
    int32_t prev;
    int32_t next;
};

struct Bigram {
    float score;
    int32_t left;
    int32_t right;
    uint32_t len;
};

bool lower_priority(const Bigram& a, const Bigram& b) {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
}

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581

}  // namespace

void Tokenizer::Impl::build_spm() {
    for (int b = 0; b < 256; ++b) {
        TokenId id = lookup(fmt::format("<0x{:02X}>", b));

        if (id < 0) {
            const char raw = static_cast<char>(b);
            id = lookup(std::string_view(&raw, 1));
        }
        spm.byte_token[b] = id >= 0 ? id : unk;
    }
    for (const std::string_view text : texts) {
        size_t prev = 0;
        for (size_t off = 0; off < text.size();) {
            const size_t len = std::min(unicode::lead_len(static_cast<uint8_t>(text[off])), text.size() - off);
            if (off > 0 && text.substr(off, len) == kSpaceMark) spm.before_space.insert(text.substr(prev, off - prev));
            prev = off;
            off += len;
        }
    }
}

// A final symbol: its token, or one <0xNN> token per byte when it is no token.
void Tokenizer::Impl::emit_symbol(std::string_view piece, std::vector<TokenId>& out) const {
    if (const TokenId id = lookup(piece); id >= 0) {
        out.push_back(id);
        return;
    }
    for (char c : piece)
        if (const TokenId id = spm.byte_token[static_cast<uint8_t>(c)]; id >= 0) out.push_back(id);
}

void Tokenizer::Impl::encode_spm(std::string_view text, bool space_prefix, std::vector<TokenId>& out) const {
    std::string s;
    s.reserve(text.size() + text.size() / 2 + 3);
    if (space_prefix) s += kSpaceMark;
    for (char c : text) {
        if (c == ' ') {
            s += kSpaceMark;
        } else {
            s += c;
        }
    }
    const std::string_view sv = s;

    // Symbols are UTF-8 characters; a stretch ends before a U+2581 that no merge can reach across.
    std::vector<Symbol> syms;
    std::vector<int32_t> stretch_starts;
    syms.reserve(sv.size());
    for (size_t off = 0; off < sv.size();) {
        const size_t len = std::min(unicode::lead_len(static_cast<uint8_t>(sv[off])), sv.size() - off);
        const auto i = static_cast<int32_t>(syms.size());
        const bool cut = i > 0 && sv.substr(off, len) == kSpaceMark &&
                         !spm.before_space.count(sv.substr(syms.back().start, syms.back().len));
        if (i == 0 || cut) {
            if (cut) syms.back().next = -1;
            stretch_starts.push_back(i);
        }
        syms.push_back({static_cast<uint32_t>(off), static_cast<uint32_t>(len), cut ? -1 : i - 1, off + len < sv.size() ? i + 1 : -1});
        off += len;
    }

    std::vector<Bigram> heap;
    auto try_pair = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const uint32_t len = syms[left].len + syms[right].len;
        const TokenId id = lookup(sv.substr(syms[left].start, len));
        if (id < 0) return;
        heap.push_back({scores[id], left, right, len});
        std::push_heap(heap.begin(), heap.end(), lower_priority);
    };
    for (const int32_t first : stretch_starts) {
        for (int32_t i = first; syms[i].next >= 0; i = syms[i].next) try_pair(i, syms[i].next);
        while (!heap.empty()) {
            std::pop_heap(heap.begin(), heap.end(), lower_priority);
            const Bigram b = heap.back();
            heap.pop_back();
            Symbol& l = syms[b.left];
            Symbol& r = syms[b.right];
            if (l.len == 0 || r.len == 0 || l.len + r.len != b.len) continue;  // outdated
            l.len += r.len;
            r.len = 0;
            l.next = r.next;
            if (r.next >= 0) syms[r.next].prev = b.left;
            try_pair(l.prev, b.left);
            try_pair(b.left, l.next);
        }
        for (int32_t i = first; i >= 0; i = syms[i].next) emit_symbol(sv.substr(syms[i].start, syms[i].len), out);
    }
}
}  // namespace hearth
