// add_hf_tokenizer (hearth convert's tokenizer): tokenizer.json files made from the shared
// models' vocabularies convert back to the same tokenizer.* metadata and the same token ids as
// llama.cpp gives on the original files; hand-written files cover the special-token rules and
// bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "convert/hf_tokenizer.hpp"
#include "hearth/gguf.hpp"
#include "hearth/gguf_writer.hpp"
#include "hearth/tokenizer.hpp"
#include "hf_dir_support.hpp"
#include "test_support.hpp"

namespace {

using hearth::Tokenizer;
using json = nlohmann::json;
namespace fs = std::filesystem;
namespace gguf = hearth::gguf;
namespace ht = hearth::test;

fs::path fresh_dir(const std::string& name) {
    const fs::path dir = fs::path(::testing::TempDir()) / ("hf_tokenizer_" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

// Whether two metadata values are equal (type and content); `why` says where they differ.
bool same_value(const gguf::Value& a, const gguf::Value& b, std::string& why) {
    if (a.type() != b.type()) return why = "type differs", false;
    if (a.type() == gguf::ValueType::string) return a.as_string() == b.as_string() || (why = "string differs", false);
    if (a.type() != gguf::ValueType::array) return a.to_display() == b.to_display() || (why = a.to_display() + " vs " + b.to_display(), false);
    if (a.array_type() != b.array_type() || a.array_size() != b.array_size())
        return why = "array type/size " + std::to_string(a.array_size()) + " vs " + std::to_string(b.array_size()), false;
    for (uint64_t i = 0; i < a.array_size(); ++i) {
        const bool same = a.array_type() == gguf::ValueType::string ? a.strings()[i] == b.strings()[i]
                          : a.array_type() == gguf::ValueType::f32 ? a.float_at(i) == b.float_at(i)
                                                                   : a.int_at(i) == b.int_at(i);
        if (!same) {
            why = "element " + std::to_string(i) + " differs" +
                  (a.array_type() == gguf::ValueType::string ? ": " + std::string(a.strings()[i]) + " vs " + std::string(b.strings()[i]) : "");
            return false;
        }
    }
    return true;
}

std::string metaspace_to_space(std::string_view s) {
    std::string out;
    for (size_t at = 0; at < s.size();) {
        const bool metaspace = s.substr(at, 3) == "\xE2\x96\x81";
        out += metaspace ? ' ' : s[at];
        at += metaspace ? 3 : 1;
    }
    return out;
}

class HfTokenizerRoundTrip : public ::testing::TestWithParam<std::string> {};

// tokenizer.json from the GGUF's vocabulary -> add_hf_tokenizer -> a GGUF with the original's
// tensors: tokenizer.* equals the original key by key and the ids equal llama.cpp's reference.
TEST_P(HfTokenizerRoundTrip, MetadataAndIdsMatchTheOriginal) {
    const std::string file = GetParam();
    const fs::path model = ht::model_path(file), ref = ht::reference_dir(file.substr(0, file.size() - 5)) / "tokenize.jsonl";
    HEARTH_REQUIRE_FILE(model);
    HEARTH_REQUIRE_FILE(ref);
    const gguf::File original = gguf::File::open(model);
    const std::string arch(original.get_string("general.architecture"));
    const fs::path dir = fresh_dir(arch + std::to_string(file.size()));
    // One family in each merges spelling: "a b" for Llama 3 and Llama 2, [a, b] for Qwen and Gemma.
    ht::write_hf_tokenizer(original, dir, {.merges_as_pairs = arch == "qwen3" || arch == "gemma3"});
    ht::write_json(dir / "config.json", ht::hf_tokenizer_config_fields(original));

    gguf::Writer w;
    ht::copy_all_but_tokenizer(original, w);
    hearth::convert::add_hf_tokenizer(dir, arch, w);
    const fs::path out = dir / "converted.gguf";
    w.write(out);
    const gguf::File converted = gguf::File::open(out);

    // (a) every tokenizer.* key of the original, with the same value.
    const bool spm = original.get_string("tokenizer.ggml.model") == "llama";
    for (const gguf::MetadataEntry& e : original.metadata()) {
        if (!e.key.starts_with("tokenizer.")) continue;
        const gguf::Value* mine = converted.find(e.key);
        ASSERT_NE(mine, nullptr) << e.key << " missing";
        if (e.key == "tokenizer.ggml.scores") continue;  // checked below: only their order carries meaning
        std::string why;
        if (e.key == "tokenizer.ggml.tokens" && spm) {
            // User-defined pieces get real spaces for "▁", as llama.cpp's converter writes them.
            const auto types = original.get_array("tokenizer.ggml.token_type", gguf::ValueType::i32);
            for (uint64_t i = 0; i < e.value.array_size(); ++i) {
                const bool user = types.int_at(i) == int64_t(hearth::TokenType::user_defined);
                const std::string want = user ? metaspace_to_space(e.value.strings()[i]) : std::string(e.value.strings()[i]);
                ASSERT_EQ(mine->strings()[i], want) << "token " << i;
            }
            continue;
        }
        if (e.key == "tokenizer.ggml.token_type") {
            // Added tokens spelled <|...|> are CONTROL even when tokenizer.json does not mark them
            // special (Qwen's <|fim_prefix|> ...): llama.cpp's converter decides so; the shared
            // file, made by another tool, has them USER_DEFINED.
            const auto tokens = original.get_array("tokenizer.ggml.tokens", gguf::ValueType::string).strings();
            for (uint64_t i = 0; i < e.value.array_size(); ++i) {
                const std::string_view t = tokens[i];
                const bool bracketed = t.size() > 4 && t.starts_with("<|") && t.ends_with("|>");
                const int64_t want = bracketed && e.value.int_at(i) == int64_t(hearth::TokenType::user_defined)
                                         ? int64_t(hearth::TokenType::control)
                                         : *e.value.int_at(i);
                ASSERT_EQ(mine->int_at(i), want) << "type of token " << i << " " << t;
            }
            continue;
        }
        EXPECT_TRUE(same_value(e.value, *mine, why)) << e.key << ": " << why;
    }
    for (const gguf::MetadataEntry& e : converted.metadata()) {
        if (e.key.starts_with("tokenizer.") && !original.find(e.key)) {
            EXPECT_TRUE(e.key == "tokenizer.ggml.pre" && spm && e.value.as_string() == "default") << "extra key " << e.key;
        }
    }

    // Scores: a merged piece ranks where the original's score puts it (ties broken by id).
    if (spm) {
        const auto& want = original.get_array("tokenizer.ggml.scores", gguf::ValueType::f32);
        const auto& got = converted.get_array("tokenizer.ggml.scores", gguf::ValueType::f32);
        const auto& types = converted.get_array("tokenizer.ggml.token_type", gguf::ValueType::i32);
        std::vector<uint64_t> merged;
        for (uint64_t i = 0; i < got.array_size(); ++i)
            if (types.int_at(i) == int64_t(hearth::TokenType::normal) && *got.float_at(i) < 0) merged.push_back(i);
        ASSERT_GT(merged.size(), 1000u);
        std::sort(merged.begin(), merged.end(), [&](uint64_t a, uint64_t b) { return *got.float_at(a) > *got.float_at(b); });
        for (size_t k = 1; k < merged.size(); ++k)
            ASSERT_GE(*want.float_at(merged[k - 1]), *want.float_at(merged[k])) << "ids " << merged[k - 1] << ", " << merged[k];
    }

    // (b) the same ids as llama.cpp on the original, for every reference text.
    const Tokenizer ours = Tokenizer::from_gguf(converted), theirs = Tokenizer::from_gguf(original);
    int lines = 0;
    std::istringstream in(ht::read_text(ref));
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        const json r = json::parse(line);
        const std::string text = r["text"];
        const bool special = r["parse_special"];
        EXPECT_EQ(ours.encode(text, false, special), r["ids"].get<std::vector<hearth::TokenId>>()) << text;
        EXPECT_EQ(ours.encode(text, true, special), theirs.encode(text, true, special)) << text;
        ++lines;
    }
    EXPECT_GT(lines, 40);
}

INSTANTIATE_TEST_SUITE_P(SharedModels, HfTokenizerRoundTrip,
                         ::testing::Values("tiny-llama3-q4_0.gguf", "tiny-qwen3-q4_k_m.gguf", "tiny-llama2-spm-q8_0.gguf",
                                           "tiny-gemma3-q4_0.gguf"),
                         [](const auto& info) {
                             std::string n = info.param.substr(5, info.param.find('-', 5) - 5);
                             return n;
                         });

}  // namespace
