// Synthetic SentencePiece vocabulary (see synth_vocab.hpp).
#include "synth/synth_vocab.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <unordered_set>

#include "hearth/error.hpp"
#include "hearth/gguf_writer.hpp"

namespace hearth::synth {

void add_synthetic_vocab(gguf::Writer& w, size_t n_vocab) {
    if (n_vocab < 512) throw Error(ErrorCode::invalid_argument, "synthetic vocabulary needs at least 512 tokens");
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<int32_t> types = {2, 3, 3};  // unknown, control, control
    for (int b = 0; b < 256; ++b) {
        tokens.push_back(fmt::format("<0x{:02X}>", b));
        types.push_back(6);  // byte
    }
    std::unordered_set<std::string> seen(tokens.begin(), tokens.end());
    auto add = [&](std::string s) {
        if (tokens.size() < n_vocab && seen.insert(s).second) {
            tokens.push_back(std::move(s));
            types.push_back(1);
        }
    };
    const std::string mark = "\xE2\x96\x81";  // U+2581, SentencePiece's word start
    add(mark);
    for (char c = 0x21; c < 0x7F; ++c) add(std::string(1, c));
    // Every lowercase string of length 1, 2, 3, ... with and without the word mark, shortest
    // first, so merges can always build longer pieces from shorter ones.
    for (size_t len = 1; tokens.size() < n_vocab; ++len) {
        std::string s(len, 'a');
        for (bool more = true; more && tokens.size() < n_vocab;) {
            add(mark + s);
            add(s);
            size_t i = len;
            while (i > 0 && s[i - 1] == 'z') s[--i] = 'a';
            if (i == 0) more = false;
            else ++s[i - 1];
        }
    }
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
