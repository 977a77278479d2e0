// Byte-level BPE ("gpt2" vocabularies): merge table from tokenizer.ggml.merges, then per word
// the lowest-rank adjacent pair is merged first (ties: leftmost), exactly as llama.cpp does.
// Words are kept as raw bytes; symbol ids stand for the byte-level texts llama.cpp compares.
#include <algorithm>

#include "hearth/gguf.hpp"
#include "tokenizer_impl.hpp"
#include "unicode.hpp"

namespace hearth {

namespace {

// The byte-level text (GPT-2 alphabet) of a raw byte.
std::string byte_text(uint8_t b) {
    std::string s;
    unicode::append_utf8(s, unicode::byte_to_cp()[b]);
    return s;
}

struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
    uint32_t len;  // bytes; 0 once merged into its left neighbour
};

struct Pair {
    uint32_t rank;
    int32_t left;
    int32_t right;
    uint32_t len;
    int32_t result;
};

// Max-heap order for std::push_heap: the lowest rank, then the leftmost pair, on top.
bool lower_priority(const Pair& a, const Pair& b) {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
}

}  // namespace

void Tokenizer::Impl::build_bpe(const gguf::File& file) {
    const auto n_vocab = static_cast<int32_t>(texts.size());
    std::unordered_map<std::string, int32_t> extra;  // texts the merges use that are no token
    auto symbol = [&](std::string_view text) -> int32_t {
        if (const TokenId id = lookup(text); id >= 0) return id;
        auto [it, inserted] = extra.try_emplace(std::string(text), n_vocab + static_cast<int32_t>(bpe.extra_texts.size()));
        if (inserted) bpe.extra_texts.emplace_back(text);
        return it->second;
    };

    const gguf::Value& merges = file.get_array("tokenizer.ggml.merges", gguf::ValueType::string);
    const auto lines = merges.strings();
    bpe.merges.reserve(lines.size());
    std::string joined;
    for (size_t rank = 0; rank < lines.size(); ++rank) {
        const std::string_view line = lines[rank];
        const size_t space = line.size() > 1 ? line.find(' ', 1) : std::string_view::npos;
        if (space == std::string_view::npos) continue;  // llama.cpp keeps ("", ""), which never matches
        const std::string_view first = line.substr(0, space);
        const std::string_view second = line.substr(space + 1);
        if (second.empty()) continue;
        joined.assign(first).append(second);
        const int32_t a = symbol(first);
        const int32_t b = symbol(second);
        bpe.merges.insert_if_absent(a, b, tok::Merge{static_cast<uint32_t>(rank), symbol(joined)});
    }
    for (int b = 0; b < 256; ++b) bpe.byte_sym[b] = symbol(byte_text(static_cast<uint8_t>(b)));

    // Raw bytes of every token whose text is all byte-level characters, for whole-word lookups.
    std::vector<std::pair<uint32_t, uint32_t>> spans(texts.size(), {0, UINT32_MAX});
    for (size_t id = 0; id < texts.size(); ++id) {
        const std::string_view t = texts[id];
        const auto start = static_cast<uint32_t>(bpe.raw_arena.size());
        bool ok = true;
        for (size_t i = 0; i < t.size() && ok;) {
            const unicode::Decoded d = unicode::decode(t.data() + i, t.size() - i);
            const int byte = unicode::cp_to_byte(d.cp);
            ok = byte >= 0 && !(d.cp == 0xFFFD && d.len == 1);
            if (ok) bpe.raw_arena += static_cast<char>(byte);
            i += d.len;
        }
        if (ok) {
            spans[id] = {start, static_cast<uint32_t>(bpe.raw_arena.size()) - start};
        } else {
            bpe.raw_arena.resize(start);
        }
    }
    bpe.raw.reserve(texts.size());
    const std::string_view arena_view = bpe.raw_arena;
    for (size_t id = 0; id < texts.size(); ++id)
        if (spans[id].second != UINT32_MAX)
            bpe.raw.emplace(arena_view.substr(spans[id].first, spans[id].second), static_cast<TokenId>(id));
}

namespace {

struct MergeScratch {
    std::vector<Symbol> syms;
    std::vector<Pair> heap;
};

// One word through the merges; appends its ids.
void merge_word(const Tokenizer::Impl& t, std::string_view word, MergeScratch& w, std::vector<TokenId>& out) {
    auto try_pair = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const tok::Merge* m = t.bpe.merges.find(w.syms[left].id, w.syms[right].id);
        if (!m) return;
        w.heap.push_back({m->rank, left, right, w.syms[left].len + w.syms[right].len, m->result});
        std::push_heap(w.heap.begin(), w.heap.end(), lower_priority);
    };
    w.syms.clear();
    w.heap.clear();
    const auto n = static_cast<int32_t>(word.size());
    for (int32_t i = 0; i < n; ++i) w.syms.push_back({t.bpe.byte_sym[static_cast<uint8_t>(word[i])], i - 1, i + 1 < n ? i + 1 : -1, 1});
    for (int32_t i = 1; i < n; ++i) try_pair(i - 1, i);
    while (!w.heap.empty()) {
        std::pop_heap(w.heap.begin(), w.heap.end(), lower_priority);
        const Pair p = w.heap.back();
        w.heap.pop_back();
        Symbol& l = w.syms[p.left];
        Symbol& r = w.syms[p.right];
        if (l.len == 0 || r.len == 0 || l.len + r.len != p.len) continue;  // outdated
        l.id = p.result;
        l.len += r.len;
        r.len = 0;
        l.next = r.next;
        if (r.next >= 0) w.syms[r.next].prev = p.left;
        try_pair(l.prev, p.left);
        try_pair(p.left, l.next);
    }
    const auto n_vocab = static_cast<int32_t>(t.texts.size());
    for (int32_t i = n > 0 ? 0 : -1; i >= 0; i = w.syms[i].next) {
        const int32_t sym = w.syms[i].id;
        if (sym < n_vocab) {
            out.push_back(sym);
            continue;
        }
        // llama.cpp's fallback for a piece that is no token: each byte of its byte-level text
        // that happens to be a one-byte token.
        for (char c : t.bpe.extra_texts[static_cast<size_t>(sym - n_vocab)])
            if (const TokenId id = t.lookup(std::string_view(&c, 1)); id >= 0) out.push_back(id);
    }
}

}  // namespace

void Tokenizer::Impl::encode_bpe(std::string_view text, std::vector<TokenId>& out) const {
    std::string normalized;
    const std::string_view s = unicode::normalize_for_bpe(text, normalized) ? std::string_view(normalized) : text;
    tok::PreScratch scratch;
    std::vector<uint32_t> ends;
    tok::pretokenize(pre.kind, s, scratch, ends);

    // Words repeat a lot in real text; their ids are remembered for this call (bounded, so
    // hostile input with millions of distinct words cannot grow it without limit).
    constexpr size_t kMaxCached = 1 << 16;
    std::unordered_map<std::string_view, std::pair<uint32_t, uint32_t>> cache;  // word -> span of cached_ids
    std::vector<TokenId> cached_ids;
    MergeScratch work;

    uint32_t begin = 0;
    for (const uint32_t end : ends) {
        const std::string_view word = s.substr(begin, end - begin);
        begin = end;
        if (const auto it = cache.find(word); it != cache.end()) {
            const auto first = cached_ids.begin() + it->second.first;
            out.insert(out.end(), first, first + it->second.second);
            continue;
        }
        const size_t first_out = out.size();
        const auto whole = pre.ignore_merges ? bpe.raw.find(word) : bpe.raw.end();
        if (whole != bpe.raw.end()) {
            out.push_back(whole->second);
        } else {
            merge_word(*this, word, work, out);
        }
        if (cache.size() < kMaxCached) {
            cache.emplace(word, std::make_pair(static_cast<uint32_t>(cached_ids.size()), static_cast<uint32_t>(out.size() - first_out)));
            cached_ids.insert(cached_ids.end(), out.begin() + static_cast<std::ptrdiff_t>(first_out), out.end());
        }
    }
}

}  // namespace hearth
