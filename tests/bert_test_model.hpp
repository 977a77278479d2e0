// The tiny BERTs the BERT tests share: `hearth synth --arch bert --shape tiny --type TYPE --seed 14`
// (TYPE q8_0 or f16), written once per test process to the temp directory.
// tests/data/embeddings/tiny-bert-TYPE.json and tests/data/tokenizer/bert_wordpiece.jsonl hold
// llama.cpp's results on these exact bytes.
#pragma once

#include <filesystem>
#include <string>

#include <unistd.h>

#include "hearth/synth.hpp"

namespace hearth::test {

inline constexpr uint64_t kBertSeed = 14;

inline std::filesystem::path bert_test_model(const std::string& type = "q8_0") {
    const auto path = std::filesystem::temp_directory_path() / ("hearth-test-" + std::to_string(::getpid()) + "-tiny-bert-" + type + ".gguf");
    if (!std::filesystem::exists(path)) synth::write_model(synth::find_shape("bert", "tiny"), quant::parse_recipe(type), kBertSeed, path, 1);
    return path;
}

}  // namespace hearth::test
