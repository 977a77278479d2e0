// Gemma 3 on tiny-gemma3-q4_0 (window 16, layers 0-4 local, 5 global): the config, llama.cpp's
// logits at every position and its greedy choices past the window, the bounded KV cache of the
// local layers (same bits as a full cache, truncation behind the window), threads, chat template.
#include <cstring>

#include "hearth/chat_template.hpp"
#include "hearth/gguf_writer.hpp"
#include "hearth/hearth.hpp"
#include "kernels/ref/f16.hpp"
#include "memory/kv_cache.hpp"
#include "test_golden_data.hpp"

namespace hearth::test {
namespace {

constexpr const char* kStem = "tiny-gemma3-q4_0";

std::filesystem::path gemma_path() { return model_path(std::string(kStem) + ".gguf"); }

// Deterministic ids spread over the vocabulary (a sequence much longer than the window).
std::vector<TokenId> long_sequence(size_t n, size_t n_vocab) {
    std::vector<TokenId> ids{2};  // BOS
    for (size_t i = 1; i < n; ++i) ids.push_back(static_cast<TokenId>((i * 104729 + 7919) % n_vocab));
    return ids;
}

TEST(Gemma3, ConfigFromMetadata) {
    HEARTH_REQUIRE_FILE(gemma_path());
    const Model model = Model::load(gemma_path(), {.threads = 1});
    const ModelConfig& c = model.config();
    EXPECT_EQ(c.arch, "gemma3");
    EXPECT_EQ(c.rope_style, RopeStyle::neox);
    EXPECT_EQ(c.head_dim, 32u);
    EXPECT_EQ(c.n_swa, 16u);
    for (size_t il = 0; il < 6; ++il) EXPECT_EQ(c.is_swa_layer(il), il != 5) << il;
    EXPECT_FLOAT_EQ(c.attn_scale, 1.0f / std::sqrt(32.0f));
    EXPECT_FLOAT_EQ(c.rope_freq_base, 1000000.0f);
    EXPECT_FLOAT_EQ(c.rope_freq_base_swa, 10000.0f);
    EXPECT_EQ(c.final_logit_softcap, 0.0f);  // llama.cpp soft-caps only the graph without windows
    EXPECT_FALSE(c.tied_embeddings);
}

TEST(Gemma3, MissingPostNormNamesTheTensor) {
    HEARTH_REQUIRE_FILE(gemma_path());
    const gguf::File f = gguf::File::open(gemma_path());
    gguf::Writer w;
    for (const gguf::MetadataEntry& e : f.metadata()) w.add_value(e.key, e.value);
    for (const gguf::TensorInfo& t : f.tensors())
        if (t.name != "blk.3.post_ffw_norm.weight") w.add_tensor(t.name, t.type, std::span<const uint64_t>(t.ne.data(), t.n_dims), t.bytes());
    const auto out = std::filesystem::path(::testing::TempDir()) / "gemma3_no_post_norm.gguf";
    w.write(out);
    try {
        (void)Model::load(out, {.threads = 1});
        ADD_FAILURE() << "loaded without blk.3.post_ffw_norm.weight";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_file) << e.what();
        EXPECT_NE(std::string(e.what()).find("blk.3.post_ffw_norm.weight"), std::string::npos) << e.what();
    }
    std::filesystem::remove(out);
}

// The reference prompt (19 tokens) is longer than the window: every row, not just the mean.
TEST(Gemma3, LogitsAgreeWithLlamaCppAtEveryPosition) {
    const auto ref = reference_dir(kStem);
    HEARTH_REQUIRE_FILE(gemma_path());
    HEARTH_REQUIRE_FILE(ref / "logits.f32");
    const Model model = Model::load(gemma_path(), {.threads = 2});
    const std::vector<int32_t> ids = json_int_array(read_text(ref / "logits.json"), "prompt_ids");
    const std::vector<float> expected = read_f32(ref / "logits.f32");
    const size_t n_vocab = model.config().n_vocab;
    ASSERT_GT(ids.size(), model.config().n_swa);
    const std::vector<float> logits = all_logits(model, ids, {.n_ctx = 64});
    for (size_t r = 0; r < ids.size(); ++r) {
        const Agreement a = compare_logits(std::vector<float>(logits.begin() + r * n_vocab, logits.begin() + (r + 1) * n_vocab),
                                           std::vector<float>(expected.begin() + r * n_vocab, expected.begin() + (r + 1) * n_vocab), n_vocab);
        EXPECT_EQ(a.top1_same, 1u) << "position " << r;
        EXPECT_LE(a.max_nrmse, 0.02) << "position " << r;
        EXPECT_LE(a.mean_kl, 1e-3) << "position " << r;
    }
}

// llama.cpp's greedy continuations (prompt + 32 tokens, past the window) evaluated in one batch:
// at every step the top-1 is the token llama.cpp chose.
TEST(Gemma3, TeacherForcedGreedyMatchesLlamaCpp) {
    const auto ref = reference_dir(kStem);
    HEARTH_REQUIRE_FILE(gemma_path());
    HEARTH_REQUIRE_FILE(ref / "greedy.jsonl");
    const Model model = Model::load(gemma_path(), {.threads = 2});
    const size_t n_vocab = model.config().n_vocab;
    for (const std::string& line : read_lines(ref / "greedy.jsonl")) {
        const std::vector<int32_t> prompt = json_int_array(line, "prompt_ids"), expected = json_int_array(line, "ids");
        std::vector<TokenId> seq(prompt.begin(), prompt.end());
        seq.insert(seq.end(), expected.begin(), expected.end() - 1);
        const std::vector<float> logits = all_logits(model, seq, {.n_ctx = 64});
        for (size_t i = 0; i < expected.size(); ++i) {
            const float* row = logits.data() + (prompt.size() - 1 + i) * n_vocab;
            const auto top = static_cast<TokenId>(std::max_element(row, row + n_vocab) - row);
            EXPECT_EQ(top, expected[i]) << "step " << i << " of " << line.substr(0, 80);
        }
    }
}

TEST(Gemma3, OneAndTwoThreadsGiveIdenticalBits) {
    HEARTH_REQUIRE_FILE(gemma_path());
    const Model one = Model::load(gemma_path(), {.threads = 1});
    const Model two = Model::load(gemma_path(), {.threads = 2});
    const std::vector<TokenId> ids = long_sequence(150, one.config().n_vocab);
    for (size_t n_batch : {size_t{1}, size_t{64}, size_t{512}}) {
        const SessionOptions opts{.n_ctx = 256, .n_batch = n_batch};
        EXPECT_TRUE(bitwise_equal(all_logits(one, ids, opts), all_logits(two, ids, opts))) << "n_batch " << n_batch;
    }
}

// Local layers keep window - 1 + n_batch rows and move them as the batch advances: the logits
// must be the bits of a cache holding every position (n_batch 256 = n_ctx: nothing is bounded).
TEST(Gemma3, BoundedWindowCacheGivesTheBitsOfAFullCache) {
    HEARTH_REQUIRE_FILE(gemma_path());
    const Model model = Model::load(gemma_path(), {.threads = 2});
    const std::vector<TokenId> ids = long_sequence(192, model.config().n_vocab);
    // Chunks of 64 take the same kernels (block GEMM, tiled attention) as one batch of 192.
    EXPECT_TRUE(bitwise_equal(all_logits(model, ids, {.n_ctx = 256, .n_batch = 64}), all_logits(model, ids, {.n_ctx = 256, .n_batch = 256})));
    // Chunks of 2 (17 rows: a move every other token) against chunks of 4 (19 rows): both take the
    // few-token kernels.
    EXPECT_TRUE(bitwise_equal(all_logits(model, ids, {.n_ctx = 256, .n_batch = 2}), all_logits(model, ids, {.n_ctx = 256, .n_batch = 4})));
    // One token at a time in the bounded cache (16 rows: a move before every token) against the
    // full cache fed the same way.
    auto one_by_one = [&](SessionOptions opts) {
        Session s(model, opts);
        std::vector<float> out;
        for (TokenId id : ids) {
            s.eval(std::span(&id, 1));
            out.insert(out.end(), s.logits().begin(), s.logits().end());
        }
        return out;
    };
    EXPECT_TRUE(bitwise_equal(one_by_one({.n_ctx = 256, .n_batch = 1}), one_by_one({.n_ctx = 256, .n_batch = 256})));

    Session bounded(model, {.n_ctx = 256, .n_batch = 64}), full(model, {.n_ctx = 256, .n_batch = 256});
    const MemoryReport rb = bounded.memory_report(), rf = full.memory_report();
    EXPECT_EQ(rb.kv_window_layers, 5u);
    EXPECT_EQ(rb.kv_window_rows, 16u - 1 + 64);
    EXPECT_EQ(rf.kv_window_layers, 0u);
    EXPECT_LT(rb.kv_cache_bytes, rf.kv_cache_bytes);
}

// Truncating within what the local layers still hold keeps the prefix; further back keeps
// nothing (n_past() == 0), and evaluating again gives the original bits.
TEST(Gemma3, TruncateBehindTheWindowEvaluatesAgain) {
    HEARTH_REQUIRE_FILE(gemma_path());
    const Model model = Model::load(gemma_path(), {.threads = 2});
    const size_t n_vocab = model.config().n_vocab;
    const std::vector<TokenId> ids = long_sequence(100, n_vocab);
    const SessionOptions opts{.n_ctx = 256, .n_batch = 8};  // local layers: 23 rows
    const std::vector<float> want = all_logits(model, ids, opts);
    const std::span<const TokenId> all(ids);

    Session s(model, opts);
    s.eval(all);
    // The last token's logits alone (a 1-row output matmul: the single-token order, not all_logits').
    const std::vector<float> last(s.logits().begin(), s.logits().end());
    s.truncate(97);  // the last batch (96..99) started at 96: rows hold 81.. (97 needs 82..)
    ASSERT_EQ(s.n_past(), 97u);
    s.eval(all.subspan(97));
    EXPECT_TRUE(std::equal(s.logits().begin(), s.logits().end(), last.begin(), last.end()));

    s.truncate(60);  // 60 needs positions 45.., long gone
    EXPECT_EQ(s.n_past(), 0u);
    std::vector<float> again(ids.size() * n_vocab);
    s.eval(all, again);
    EXPECT_TRUE(bitwise_equal(again, want));

    // generate() reuses what truncate could keep and evaluates the rest.
    GenerateOptions greedy;
    greedy.sampling.temperature = 0;
    greedy.max_tokens = 4;
    Session g1(model, opts), g2(model, opts);
    g1.eval(all);
    const GenerateResult r1 = g1.generate(all.subspan(0, 50), greedy);
    const GenerateResult r2 = g2.generate(all.subspan(0, 50), greedy);
    EXPECT_EQ(r1.reused_tokens, 0u);
    EXPECT_EQ(r1.tokens, r2.tokens);
}

TEST(Gemma3, KvCacheMovesTheWindowRows) {
    KvWindow w{.window = 4, .rows = 6, .layers = {true, false}};
    KvCache cache(2, 32, 32, KvType::f16, w);
    std::vector<float> k(32), v(32);
    for (size_t pos = 0; pos < 20; ++pos) {
        cache.make_room(pos, 1);
        for (size_t i = 0; i < 32; ++i) k[i] = v[i] = static_cast<float>(pos);
        cache.store(0, pos, k.data(), v.data());
        cache.store(1, pos, k.data(), v.data());
        // The windowed layer still holds the 3 positions before pos, in order, from first_pos.
        const size_t first = cache.first_pos(0);
        ASSERT_LE(first, pos >= 3 ? pos - 3 : 0) << pos;
        ASSERT_LT(pos - first, 6u) << pos;
        for (size_t p = pos >= 3 ? pos - 3 : 0; p <= pos; ++p)
            EXPECT_EQ(cache.keys_f16(0)[(p - first) * 32], kernels::fp32_to_fp16(static_cast<float>(p))) << pos << " " << p;
        EXPECT_EQ(cache.first_pos(1), 0u);
    }
    EXPECT_EQ(cache.keep(19), 19u);  // 19 needs 16..18: held
    EXPECT_EQ(cache.keep(10), 0u);   // 10 needs 7..9: moved out
    EXPECT_EQ(cache.first_pos(0), 0u);
}

TEST(Gemma3, ChatTemplateRendersTurns) {
    HEARTH_REQUIRE_FILE(gemma_path());
    auto t = ChatTemplate::from_gguf(gguf::File::open(gemma_path()));
    ASSERT_TRUE(t.has_value());
    const std::vector<ChatMessage> messages = {{"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello."}, {"user", "Bye"}};
    EXPECT_EQ(t->render(messages, true),
              "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n"
              "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n");
}

}  // namespace
}  // namespace hearth::test
