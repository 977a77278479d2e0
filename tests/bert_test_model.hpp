// The tiny BERT the BERT tests share: `hearth synth --arch bert --shape tiny --type q8_0 --seed 14`,
// written once per test process to the temp directory. tests/data/embeddings/tiny-bert-q8_0.json
// and tests/data/tokenizer/bert_wordpiece.jsonl hold llama.cpp's results on these exact bytes.
#pragma once

#include <filesystem>
#include <string>

#include <unistd.h>

#include "hearth/synth.hpp"

namespace hearth::test {

inline constexpr uint64_t kBertSeed = 14;

inline std::filesystem::path bert_test_model() {
    static const std::filesystem::path path = [] {
        auto p = std::filesystem::temp_directory_path() / ("hearth-test-" + std::to_string(::getpid()) + "-tiny-bert-q8_0.gguf");
        synth::write_model(synth::find_shape("bert", "tiny"), quant::parse_recipe("q8_0"), kBertSeed, p, 1);
        return p;
    }();
    return path;
}

}  // namespace hearth::test
