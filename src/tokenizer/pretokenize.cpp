// Word splitting for byte-level BPE. Each matcher mirrors llama.cpp's (custom or std::regex)
// split for the same pattern, including its treatment of code point classes, so ids match.
#include "pretokenize.hpp"

#include "unicode.hpp"

namespace hearth::tok {

namespace {

using namespace hearth::unicode;

constexpr uint32_t kOutOfRange = 0xFFFFFFFF;
constexpr uint8_t kPresent = 8;  // set for every code point inside the chunk being split

// A chunk [begin, end) of the decoded text; outside it every lookup answers "nothing".
struct Chunk {
    const uint32_t* cp;
    const uint8_t* fl;
    uint32_t begin;
    uint32_t end;
    uint32_t at(uint32_t p) const { return p < end ? cp[p] : kOutOfRange; }
    uint8_t flags(uint32_t p) const { return p < end ? static_cast<uint8_t>(fl[p] | kPresent) : 0; }
};

// Appends piece ends, skipping empty pieces.
struct Emitter {
    std::vector<uint32_t>& ends;
    uint32_t last;
    void operator()(uint32_t end) {
        if (end > last) ends.push_back(end);
        last = end;
    }
};

bool is_l(uint8_t f) { return (f & kPresent) && is_letter(f); }
bool is_n(uint8_t f) { return (f & kPresent) && is_number(f); }
bool is_s(uint8_t f) { return (f & kPresent) && is_space(f); }
// [^\s\p{L}\p{N}] and inside the chunk
bool is_other(uint8_t f) { return (f & kPresent) && !is_space(f) && !is_letter(f) && !is_number(f); }
uint32_t ascii_lower(uint32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// 's 't 'm 'd 're 've 'll at pos: the contraction's length, or 0.
uint32_t contraction(const Chunk& c, uint32_t pos, bool any_case) {
    if (c.at(pos) != '\'' || pos + 1 >= c.end) return 0;
    auto low = [&](uint32_t p) { return any_case ? ascii_lower(c.at(p)) : c.at(p); };
    const uint32_t n1 = low(pos + 1);
    if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') return 2;
    if (pos + 2 >= c.end) return 0;
    const uint32_t n2 = low(pos + 2);
    if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) return 3;
    return 0;
}

// The tail both regex families share: \s*[\r\n]+ (when with_newlines), \s+(?!\S), \s+, or one
// unmatched code point. Returns the new position.
uint32_t split_spaces(const Chunk& c, uint32_t pos, bool with_newlines, Emitter& emit) {
    uint32_t n_ws = 0;
    uint32_t last_rn = 0;
    while (is_s(c.flags(pos + n_ws))) {
        const uint32_t cp = c.at(pos + n_ws);
        if (cp == '\r' || cp == '\n') last_rn = pos + n_ws + 1;
        ++n_ws;
    }
    if (with_newlines && last_rn > 0) {
        emit(last_rn);
        return last_rn;
    }
    if (n_ws > 1 && c.at(pos + n_ws) != kOutOfRange) {
        emit(pos + n_ws - 1);
        return pos + n_ws - 1;
    }
    const uint32_t end = pos + (n_ws > 0 ? n_ws : 1);
    emit(end);
    return end;
}

void split_llama3(const Chunk& c, uint32_t max_digits, Emitter& emit) {
    for (uint32_t pos = c.begin; pos < c.end;) {
        const uint32_t cp = c.cp[pos];
        const uint8_t f = c.flags(pos);
        if (const uint32_t n = contraction(c, pos, true)) {
            pos += n;
            emit(pos);
            continue;
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (!(cp == '\r' || cp == '\n' || is_n(f)) && (is_l(f) || is_l(c.flags(pos + 1)))) {
            ++pos;
            while (is_l(c.flags(pos))) ++pos;
            emit(pos);
            continue;
        }
        // \p{N}{1,max_digits}
        if (is_n(f)) {
            uint32_t ini = pos;
            while (is_n(c.flags(pos))) {
                if (++pos - ini >= max_digits) {
                    emit(pos);
                    ini = pos;
                }
            }
            emit(pos);
            continue;
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        uint8_t f2 = cp == ' ' ? c.flags(pos + 1) : f;
        if (is_other(f2)) {
            pos += (cp == ' ');
            while (is_other(f2)) f2 = c.flags(++pos);
            while (c.at(pos) == '\r' || c.at(pos) == '\n') ++pos;
            emit(pos);
            continue;
        }
        pos = split_spaces(c, pos, true, emit);
    }
}

void split_gpt2(const Chunk& c, Emitter& emit) {
    for (uint32_t pos = c.begin; pos < c.end;) {
        const uint32_t cp = c.cp[pos];
        if (const uint32_t n = contraction(c, pos, false)) {
            pos += n;
            emit(pos);
            continue;
        }
        uint8_t f2 = cp == ' ' ? c.flags(pos + 1) : c.flags(pos);
        bool (*same)(uint8_t) = is_l(f2) ? is_l : is_n(f2) ? is_n : is_other(f2) ? is_other : nullptr;
        if (same) {  // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
            pos += (cp == ' ');
            while (same(f2)) f2 = c.flags(++pos);
            emit(pos);
            continue;
        }
        pos = split_spaces(c, pos, false, emit);
    }
}

// Alternating runs of code points that match / do not match (regex 'X+' with the gaps kept).
template <class Pred>
void split_runs(const Chunk& c, Pred match, Emitter& emit) {
    for (uint32_t pos = c.begin; pos < c.end;) {
        const bool m = match(pos);
        while (pos < c.end && match(pos) == m) ++pos;
        emit(pos);
    }
}

// Regex 'X' (one code point per match) with the gaps between matches kept whole.
template <class Pred>
void split_each(const Chunk& c, Pred match, Emitter& emit) {
    for (uint32_t pos = c.begin; pos < c.end; ++pos) {
        if (match(pos)) {
            emit(pos);
            emit(pos + 1);
        }
    }
    emit(c.end);
}

// Regex '[0-9][0-9][0-9]': leftmost non-overlapping triples, gaps kept.
void split_digit_triples(const Chunk& c, Emitter& emit) {
    auto digit = [&](uint32_t p) { return p < c.end && c.cp[p] >= '0' && c.cp[p] <= '9'; };
    for (uint32_t pos = c.begin; pos < c.end;) {
        if (digit(pos) && digit(pos + 1) && digit(pos + 2)) {
            emit(pos);
            emit(pos + 3);
            pos += 3;
        } else {
            ++pos;
        }
    }
    emit(c.end);
}

bool default_punct(const Chunk& c, uint32_t p) {
    const uint32_t cp = c.cp[p];
    const uint8_t f = c.fl[p];
    if (cp < 128) {
        return is_punct(f) || cp == '$' || cp == '+' || cp == '<' || cp == '=' || cp == '>' || cp == '^' || cp == '~' ||
               cp == '|';
    }
    return is_punct(f) && !is_space(f);
}

enum class Stage { llama3, qwen2, gpt2, punct_runs, number_runs, each_number, digit_triples };

void run_stage(Stage stage, const Chunk& c, Emitter& emit) {
    switch (stage) {
        case Stage::llama3: split_llama3(c, 3, emit); break;
        case Stage::qwen2: split_llama3(c, 1, emit); break;
        case Stage::gpt2: split_gpt2(c, emit); break;
        case Stage::punct_runs: split_runs(c, [&](uint32_t p) { return default_punct(c, p); }, emit); break;
        case Stage::number_runs: split_runs(c, [&](uint32_t p) { return is_number(c.fl[p]); }, emit); break;
        case Stage::each_number: split_each(c, [&](uint32_t p) { return is_number(c.fl[p]); }, emit); break;
        case Stage::digit_triples: split_digit_triples(c, emit); break;
    }
}

struct StageList {
    Stage stages[4];
    int count;
};

StageList stages_for(PreKind kind) {
    switch (kind) {
        case PreKind::llama3: return {{Stage::llama3}, 1};
        case PreKind::qwen2: return {{Stage::qwen2}, 1};
        case PreKind::gpt2: return {{Stage::gpt2}, 1};
        case PreKind::smollm: return {{Stage::each_number, Stage::gpt2}, 2};
        case PreKind::default_bpe:
            return {{Stage::punct_runs, Stage::gpt2, Stage::number_runs, Stage::digit_triples}, 4};
    }
    return {{Stage::gpt2}, 1};
}

struct NamedPre {
    std::string_view name;
    PreInfo info;
};

constexpr NamedPre kPreNames[] = {
    {"default", {PreKind::default_bpe, false, false}},
    {"llama3", {PreKind::llama3, true, true}},
    {"llama-v3", {PreKind::llama3, true, true}},
    {"llama-bpe", {PreKind::llama3, true, true}},
    {"falcon3", {PreKind::llama3, true, true}},
    {"pixtral", {PreKind::llama3, true, true}},
    {"qwen2", {PreKind::qwen2, false, false}},
    {"deepseek-r1-qwen", {PreKind::qwen2, false, false}},
    {"stablelm2", {PreKind::qwen2, false, false}},
    {"gpt-2", {PreKind::gpt2, false, false}},
    {"phi-2", {PreKind::gpt2, false, false}},
    {"mpt", {PreKind::gpt2, false, false}},
    {"olmo", {PreKind::gpt2, false, false}},
    {"smollm", {PreKind::smollm, false, false}},
    {"starcoder", {PreKind::smollm, false, false}},
    {"refact", {PreKind::smollm, false, false}},
    {"command-r", {PreKind::smollm, false, false}},
};

}  // namespace

std::optional<PreInfo> pre_info(std::string_view name) {
    for (const NamedPre& p : kPreNames)
        if (p.name == name) return p.info;
    return std::nullopt;
}

std::string_view supported_pre_names() {
    return "default, llama3, llama-v3, llama-bpe, falcon3, pixtral, qwen2, deepseek-r1-qwen, stablelm2, gpt-2, "
           "phi-2, mpt, olmo, smollm, starcoder, refact, command-r";
}

void pretokenize(PreKind kind, std::string_view text, PreScratch& s, std::vector<uint32_t>& word_ends) {
    s.cps.clear();
    s.flags.clear();
    s.offsets.clear();
    for (size_t i = 0; i < text.size();) {
        s.offsets.push_back(static_cast<uint32_t>(i));
        const auto b = static_cast<uint8_t>(text[i]);
        if (b < 0x80) {
            s.cps.push_back(b);
            s.flags.push_back(cp_flags(b));
            ++i;
            continue;
        }
        const Decoded d = decode(text.data() + i, text.size() - i);
        s.cps.push_back(d.cp);
        s.flags.push_back(cp_flags(d.cp));
        i += d.len;
    }
    const auto n = static_cast<uint32_t>(s.cps.size());
    s.offsets.push_back(static_cast<uint32_t>(text.size()));
    if (n == 0) return;

    const StageList list = stages_for(kind);
    s.chunks.assign(1, n);
    for (int k = 0; k < list.count; ++k) {
        s.next.clear();
        Emitter emit{s.next, 0};
        uint32_t begin = 0;
        for (uint32_t end : s.chunks) {
            emit.last = begin;
            run_stage(list.stages[k], Chunk{s.cps.data(), s.flags.data(), begin, end}, emit);
            emit(end);
            begin = end;
        }
        s.chunks.swap(s.next);
    }
    for (uint32_t end : s.chunks) word_ends.push_back(s.offsets[end]);
}

}  // namespace hearth::tok
