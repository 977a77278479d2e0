// Tokenizer throughput on 1 MB of text (English prose, and a mix of prose, code, numbers and
// non-Latin scripts) for the shared Llama 3, Qwen 2 and Llama 2 vocabularies. Reports bytes/s.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"

namespace {

std::filesystem::path shared_dir() {
    if (const char* env = std::getenv("HEARTH_SHARED_DIR"); env && *env) return env;
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "shared";
}

// Seeded pseudo-prose: common words, capitals after full stops, commas, paragraphs.
std::string english_prose(size_t bytes) {
    static const char* kWords[] = {
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not", "he",
        "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you", "were", "their", "one",
        "all", "we", "can", "her", "has", "there", "been", "if", "more", "when", "will", "would", "who", "so", "no", "people",
        "time", "little", "girl", "named", "Lily", "garden", "morning", "quickly", "remembered", "beautiful", "understand",
        "government", "information", "development", "important", "different", "following", "without", "program", "problem",
        "however", "another", "between", "children", "through", "weather", "mountain", "river", "village", "wonderful",
        "don't", "it's", "they're", "we'll", "couldn't", "history", "science", "language", "computer", "model", "token",
    };
    std::mt19937 rng(42);
    std::uniform_int_distribution<size_t> pick(0, std::size(kWords) - 1);
    std::uniform_int_distribution<int> len(6, 22);
    std::string out;
    while (out.size() < bytes) {
        const int n = len(rng);
        for (int i = 0; i < n; ++i) {
            std::string w = kWords[pick(rng)];
            if (i == 0) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
            out += w;
            out += (i + 1 == n) ? ". " : (rng() % 9 == 0 ? ", " : " ");
        }
        if (rng() % 6 == 0) out += "\n\n";
    }
    out.resize(bytes);
    return out;
}

std::string mixed_text(size_t bytes) {
    static const char* kPieces[] = {
        "def add(a, b):\n    return a + b  # 42\n",
        "Prices rose 3.75% to $1,234,567.89 in 2026; see https://example.com/a?b=c.\n",
        "日本語のテキストです。中文文本。한국어 텍스트. ",
        "Привет, мир! Γειά σου Κόσμε! مرحبا بالعالم ",
        "Emoji: 😀👍🏽 family 👨‍👩‍👧‍👦\t\ttabs  and   spaces\r\n",
        "{\"key\": [1, 2, 3], \"nested\": {\"x\": null}}\n",
    };
    std::mt19937 rng(7);
    std::string prose = english_prose(bytes);
    std::string out;
    size_t at = 0;
    while (out.size() < bytes) {
        out.append(prose, at, 300);
        at = (at + 300) % (prose.size() - 300);
        out += kPieces[rng() % std::size(kPieces)];
    }
    out.resize(bytes);
    // Never end inside a UTF-8 sequence.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    return out;
}

struct Loaded {
    hearth::gguf::File file;
    hearth::Tokenizer tokenizer;
};

std::unique_ptr<Loaded> load(const char* model) {
    const auto path = shared_dir() / "models" / model;
    if (!std::filesystem::exists(path)) return nullptr;
    auto file = hearth::gguf::File::open(path);
    auto tok = hearth::Tokenizer::from_gguf(file);
    return std::make_unique<Loaded>(Loaded{std::move(file), std::move(tok)});
}

void run(benchmark::State& state, const char* model, const std::string& text) {
    const auto loaded = load(model);
    if (!loaded) {
        state.SkipWithError("shared model file not found (set HEARTH_SHARED_DIR)");
        return;
    }
    size_t n_tokens = 0;
    for (auto _ : state) {
        const auto ids = loaded->tokenizer.encode(text, false, false);
        n_tokens = ids.size();
        benchmark::DoNotOptimize(ids.data());
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
    state.counters["tokens"] = static_cast<double>(n_tokens);
}

constexpr size_t kBytes = 1 << 20;

void BM_tokenize_llama3_prose(benchmark::State& s) { run(s, "tiny-llama3-q8_0.gguf", english_prose(kBytes)); }
void BM_tokenize_llama3_mixed(benchmark::State& s) { run(s, "tiny-llama3-q8_0.gguf", mixed_text(kBytes)); }
void BM_tokenize_qwen2_prose(benchmark::State& s) { run(s, "tiny-qwen2-q8_0.gguf", english_prose(kBytes)); }
void BM_tokenize_qwen2_mixed(benchmark::State& s) { run(s, "tiny-qwen2-q8_0.gguf", mixed_text(kBytes)); }
void BM_tokenize_llama2_spm_mixed(benchmark::State& s) { run(s, "tiny-llama2-spm-q8_0.gguf", mixed_text(kBytes)); }

void BM_tokenizer_load_qwen2(benchmark::State& state) {
    const auto path = shared_dir() / "models" / "tiny-qwen2-q8_0.gguf";
    if (!std::filesystem::exists(path)) {
        state.SkipWithError("shared model file not found (set HEARTH_SHARED_DIR)");
        return;
    }
    const auto file = hearth::gguf::File::open(path);
    for (auto _ : state) benchmark::DoNotOptimize(hearth::Tokenizer::from_gguf(file).n_vocab());
}

}  // namespace

BENCHMARK(BM_tokenize_llama3_prose)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_tokenize_llama3_mixed)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_tokenize_qwen2_prose)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_tokenize_qwen2_mixed)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_tokenize_llama2_spm_mixed)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_tokenizer_load_qwen2)->Unit(benchmark::kMillisecond);
