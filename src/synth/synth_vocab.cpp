// Synthetic SentencePiece and WordPiece vocabularies (see synth_vocab.hpp).
#include "synth/synth_vocab.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <unordered_set>

#include "hearth/error.hpp"
#include "hearth/gguf_writer.hpp"

namespace hearth::synth {

namespace {

constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3, kByte = 6;  // llama.cpp's token types
const std::string kMark = "\xE2\x96\x81";  // U+2581, the word start of both vocabularies

// Token texts and types, each text at most once, at most n_vocab of them.
struct TokenList {
    size_t n_vocab;
    std::vector<std::string> tokens;
    std::vector<int32_t> types;
    std::unordered_set<std::string> seen;

    bool full() const { return tokens.size() >= n_vocab; }
    void add(std::string s, int32_t type = kNormal) {
        if (!full() && seen.insert(s).second) {
            tokens.push_back(std::move(s));
            types.push_back(type);
        }
    }
    // Every lowercase string of length 1, 2, 3, ... with the word mark, then without, shortest
    // first, so merges can always build longer pieces from shorter ones.
    void fill_with_letter_strings() {
        for (size_t len = 1; !full(); ++len) {
            std::string s(len, 'a');
            for (bool more = true; more && !full();) {
                add(kMark + s);
                add(s);
                size_t i = len;
                while (i > 0 && s[i - 1] == 'z') s[--i] = 'a';
                if (i == 0) more = false;
                else ++s[i - 1];
            }
        }
    }
};

}  // namespace

void add_wordpiece_vocab(gguf::Writer& w, size_t n_vocab) {
    if (n_vocab < 256) throw Error(ErrorCode::invalid_argument, "synthetic WordPiece vocabulary needs at least 256 tokens");
    TokenList v{n_vocab, {}, {}, {}};
    v.add("[PAD]", kControl);
    v.add("[UNK]", kUnknown);
    v.add("[CLS]", kControl);
    v.add("[SEP]", kControl);
    v.add("[MASK]", kControl);
    // Punctuation and symbols are words of their own, so they only occur word-initially.
    for (char c = 0x21; c < 0x7F; ++c)
        if (!std::isalnum(static_cast<unsigned char>(c))) v.add(kMark + std::string(1, c));
    for (char c : std::string("0123456789abcdefghijklmnopqrstuvwxyz")) {
        v.add(kMark + std::string(1, c));
        v.add(std::string(1, c));
    }
    for (const char* word : {"the", "quick", "brown", "fox", "jump", "over", "lazy", "dog", "hello", "world", "embed", "text",
                             "search", "token", "model", "cafe", "naive", "new", "york", "un", "re", "is", "of", "to", "and"})
        v.add(kMark + word);
    for (const char* suffix : {"s", "ed", "ing", "er", "ly", "ize", "ding", "dings", "tion", "ness", "able", "ment", "est"}) v.add(suffix);
    v.fill_with_letter_strings();
    w.add_string("tokenizer.ggml.model", "bert");
    w.add_string_array("tokenizer.ggml.tokens", v.tokens);
    w.add_i32_array("tokenizer.ggml.token_type", v.types);
    w.add_u32("tokenizer.ggml.token_type_count", 2);
    w.add_u32("tokenizer.ggml.padding_token_id", 0);
    w.add_u32("tokenizer.ggml.unknown_token_id", 1);
    w.add_u32("tokenizer.ggml.bos_token_id", 2);  // [CLS]
    w.add_u32("tokenizer.ggml.seperator_token_id", 3);  // [SEP] (llama.cpp's spelling)
    w.add_u32("tokenizer.ggml.mask_token_id", 4);
    w.add_bool("tokenizer.ggml.add_bos_token", true);
}

void add_synthetic_vocab(gguf::Writer& w, size_t n_vocab) {
    if (n_vocab < 512) throw Error(ErrorCode::invalid_argument, "synthetic vocabulary needs at least 512 tokens");
    TokenList v{n_vocab, {"<unk>", "<s>", "</s>"}, {kUnknown, kControl, kControl}, {}};
    for (int b = 0; b < 256; ++b) v.add(fmt::format("<0x{:02X}>", b), kByte);
    v.seen.insert(v.tokens.begin(), v.tokens.end());
    v.add(kMark);
    for (char c = 0x21; c < 0x7F; ++c) v.add(std::string(1, c));
    v.fill_with_letter_strings();
    std::vector<std::string>& tokens = v.tokens;
    std::vector<int32_t>& types = v.types;
    std::vector<float> scores(tokens.size());
    for (size_t i = 0; i < scores.size(); ++i) scores[i] = types[i] == 1 ? -static_cast<float>(i) : 0.0f;
    w.add_string("tokenizer.ggml.model", "llama");
    w.add_string_array("tokenizer.ggml.tokens", tokens);
    w.add_f32_array("tokenizer.ggml.scores", scores);
    w.add_i32_array("tokenizer.ggml.token_type", types);
    w.add_u32("tokenizer.ggml.unknown_token_id", 0);
    w.add_u32("tokenizer.ggml.bos_token_id", 1);
    w.add_u32("tokenizer.ggml.eos_token_id", 2);
    w.add_bool("tokenizer.ggml.add_bos_token", true);
    w.add_bool("tokenizer.ggml.add_eos_token", false);
}

}  // namespace hearth::synth
