// BERT encoders: the WordPiece tokenizer against llama.cpp's ids (tests/data/tokenizer/), the
// LayerNorm op against its definition, the encoder's config, and the clear errors for what an
// encoder cannot do. Its embeddings against llama.cpp's are in test_embedding.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bert_test_model.hpp"
#include "hearth/hearth.hpp"
#include "ops/elementwise.hpp"
#include "test_support.hpp"

namespace hearth::test {
namespace {

const std::filesystem::path kTokenizerData = std::filesystem::path(HEARTH_TEST_DATA_DIR) / "tokenizer";

// Lines {"text", "parse_special", "ids"}: llama.cpp's ids without [CLS]/[SEP], made from the
// file itself (llamacpp.mjs replaces "ids") on the model bert_test_model() writes:
//   hearth synth --arch bert --shape tiny --type q8_0 --seed 14 -o tiny-bert-q8_0.gguf
//   node /work/shared/peer/llamacpp.mjs tokenize tiny-bert-q8_0.gguf < bert_wordpiece.jsonl > new.jsonl
std::vector<nlohmann::json> reference_ids() {
    std::vector<nlohmann::json> out;
    std::istringstream lines(read_text(kTokenizerData / "bert_wordpiece.jsonl"));
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
}

TEST(BertTokenizer, MatchesLlamaCppIds) {
    const Model model = Model::load(bert_test_model(), {.threads = 1});
    const Tokenizer& tok = model.tokenizer();
    EXPECT_EQ(tok.model_kind(), "bert");
    const auto cases = reference_ids();
    ASSERT_GE(cases.size(), 20u);
    for (const nlohmann::json& c : cases) {
        const std::string text = c["text"];
        const std::vector<TokenId> want = c["ids"];
        EXPECT_EQ(tok.encode(text, false, c["parse_special"]), want) << text;
    }
}

TEST(BertTokenizer, WrapsTheTextInClsAndSep) {
    const Model model = Model::load(bert_test_model(), {.threads = 1});
    const Tokenizer& tok = model.tokenizer();
    const std::vector<TokenId> ids = tok.encode("hello world", true, false);
    ASSERT_EQ(ids.size(), 4u);
    EXPECT_EQ(tok.token_text(ids.front()), "[CLS]");
    EXPECT_EQ(tok.token_text(ids[1]), "\xE2\x96\x81hello");
    EXPECT_EQ(tok.token_text(ids.back()), "[SEP]");
    // A word the vocabulary cannot cut is one [UNK], whatever its length.
    const std::vector<TokenId> unk = tok.encode("stra\xC3\x9F" "e", false, false);
    ASSERT_EQ(unk.size(), 1u);
    EXPECT_EQ(tok.token_text(unk[0]), "[UNK]");
    EXPECT_EQ(tok.decode(tok.encode("hello world", false, false)), " hello world");
}

// Arbitrary bytes (invalid UTF-8, lone marks, controls, huge words) give ids in the vocabulary,
// never an exception: the normaliser drops or replaces what it cannot use.
TEST(BertTokenizer, ArbitraryBytesGiveValidIds) {
    const Model model = Model::load(bert_test_model(), {.threads = 1});
    const Tokenizer& tok = model.tokenizer();
    const std::string pieces[] = {"a", "Z", " ", "\t", "\xC3\xA9", "\xCC\x81", "\xE6\x97\xA5", "\xF0\x9F\x98\x80", "\xFF", "\x80",
                                  "\xE2\x96\x81", "[CLS]", ".", "##", "\x00", "\xEF\xBF\xBD"};
    uint64_t state = 42;
    for (int round = 0; round < 2000; ++round) {
        std::string text;
        const size_t n = state % 40;
        for (size_t i = 0; i < n; ++i) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            text += pieces[(state >> 33) % std::size(pieces)];
        }
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        for (const TokenId id : tok.encode(text, true, round % 2 == 0)) {
            ASSERT_GE(id, 0) << round;
            ASSERT_LT(static_cast<size_t>(id), tok.n_vocab()) << round;
        }
    }
    // One 100 000-byte word: cut greedily (at most one lookup per piece length per byte).
    const std::vector<TokenId> long_word = tok.encode(std::string(100000, 'x'), false, false);
    EXPECT_EQ(tok.decode(long_word), " " + std::string(100000, 'x'));  // every byte covered, "▁" rendered as a space
}

TEST(BertOps, LayerNormMatchesItsDefinition) {
    for (size_t n : {1u, 7u, 16u, 64u, 100u}) {
        std::vector<float> x(n), w(n), b(n), y(n);
        for (size_t i = 0; i < n; ++i) {
            x[i] = std::sin(0.7f * i) * 3.0f + 1.5f;
            w[i] = 1.0f + 0.01f * i;
            b[i] = 0.1f * std::cos(float(i));
        }
        ops::layernorm(x.data(), w.data(), b.data(), y.data(), n, 1e-12f);
        double mean = 0, var = 0;
        for (float v : x) mean += v;
        mean /= n;
        for (float v : x) var += (v - mean) * (v - mean);
        var /= n;
        for (size_t i = 0; i < n; ++i) {
            const double want = (x[i] - mean) / std::sqrt(var + 1e-12) * w[i] + b[i];
            EXPECT_NEAR(y[i], want, 1e-5 * (1 + std::abs(want))) << "n " << n << " i " << i;
        }
        ops::layernorm(x.data(), w.data(), b.data(), x.data(), n, 1e-12f);  // in place
        EXPECT_EQ(x, y);
    }
}

TEST(BertModel, ReadsAnEncoderConfig) {
    const Model model = Model::load(bert_test_model(), {.threads = 1});
    const ModelConfig& c = model.config();
    EXPECT_EQ(c.arch, "bert");
    EXPECT_TRUE(c.encoder);
    EXPECT_FALSE(c.causal);
    EXPECT_FLOAT_EQ(c.rms_eps, 1e-12f);
    EXPECT_EQ(default_pooling(model), Pooling::mean);
}

TEST(BertModel, GenerationIsAClearError) {
    const Model model = Model::load(bert_test_model(), {.threads = 1});
    Session session(model, {.n_ctx = 64});
    const std::vector<TokenId> ids = model.tokenizer().encode("hello world", true, false);
    EXPECT_EQ(error_code_of([&] { session.eval(ids); }), ErrorCode::unsupported);
    const std::string message = error_message_of([&] { session.eval(ids); });
    EXPECT_NE(message.find("use hearth embed"), std::string::npos) << message;
}

TEST(BertModel, TextLongerThanOneBatchIsAClearError) {
    const Model model = Model::load(bert_test_model(), {.threads = 1});
    Session session(model, {.n_ctx = 64, .n_batch = 4});
    EXPECT_EQ(error_code_of([&] { session.embed("the quick brown fox jumps"); }), ErrorCode::context_full);
    EXPECT_EQ(session.embed("hello").size(), model.config().n_embd);  // 3 tokens fit
}

// A Q8_0 KV cache (head size 32) takes the whole text too: its vectors stay close to the F16
// cache's, where a causal mask would move them by ~1e-1 (BertReferenceCatchesACausalMask).
TEST(BertModel, Q8CacheAttendsToTheWholeText) {
    synth::Shape shape = synth::find_shape("bert", "tiny");
    shape.n_head = shape.n_head_kv = 2;
    shape.head_dim = 32;
    const auto path = std::filesystem::temp_directory_path() / ("hearth-test-" + std::to_string(::getpid()) + "-bert-hd32.gguf");
    synth::write_model(shape, quant::parse_recipe("q8_0"), kBertSeed, path, 1);
    {
        const Model model = Model::load(path, {.threads = 2});
        Session f16(model, {.n_ctx = 128}), q8(model, {.n_ctx = 128, .kv_type = KvType::q8_0});
        for (const char* text : {"Hello world", "The quick brown fox jumps over the lazy dog, again and again and again."}) {
            const double e = rel_rms(f16.embed(text), q8.embed(text));
            EXPECT_LT(e, 1e-2) << text;
            EXPECT_GT(e, 0.0) << text;  // the cache type really changed
        }
    }
    std::filesystem::remove(path);
}

TEST(BertModel, ThreadCountKeepsTheBits) {
    const std::string text = "Embeddings turn a piece of text into a vector of numbers, so that texts with similar meaning "
                             "end up close to each other. A search engine over your own notes embeds every paragraph once.";
    std::vector<std::vector<float>> got;
    for (size_t threads : {1u, 2u, 3u}) {
        const Model model = Model::load(bert_test_model(), {.threads = threads});
        Session session(model, {.n_ctx = 512});
        got.push_back(session.embed(text));
    }
    EXPECT_EQ(got[0], got[1]);
    EXPECT_EQ(got[0], got[2]);
}

TEST(BertCli, RunSaysToUseEmbed) {
    const CommandResult r = run_command(shell_quote(cli_path()) + " run -m " + shell_quote(bert_test_model().string()) + " -p hello -n 4");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.status, -1);  // an error exit, not a crash
    EXPECT_NE(r.err.find("use hearth embed"), std::string::npos) << r.err;
    const CommandResult info = run_command(shell_quote(cli_path()) + " info " + shell_quote(bert_test_model().string()));
    EXPECT_NE(info.out.find("supported:       yes"), std::string::npos) << info.out;
    const CommandResult embed = run_command(shell_quote(cli_path()) + " embed -m " + shell_quote(bert_test_model().string()) + " 'Hello world'");
    EXPECT_EQ(embed.status, 0) << embed.err;
    EXPECT_NE(embed.out.find("\"embedding\""), std::string::npos) << embed.out;
}

}  // namespace
}  // namespace hearth::test
