// BatchEvaluator: several sessions in one forward pass give each the logits it gets alone
// (bitwise below 16 rows), mixed prompt chunks and decode tokens, any thread count, clear errors.
#include <atomic>
#include <cstring>

#include "hearth/batch.hpp"
#include "hearth/hearth.hpp"
#include "test_support.hpp"

namespace hearth::test {
namespace {

// Deterministic ids spread over the vocabulary (skipping the low, often special ids).
std::vector<TokenId> some_ids(size_t n, size_t n_vocab, uint32_t seed) {
    std::vector<TokenId> ids(n);
    uint64_t x = seed * 2654435761u + 1;
    for (TokenId& id : ids) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        id = static_cast<TokenId>(3 + (x >> 33) % (n_vocab - 3));
    }
    return ids;
}

bool same_bits(std::span<const float> a, std::span<const float> b) {
    return a.size() == b.size() && !a.empty() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// The rows each of three sessions gets per step: prompts first, then a mix of decode tokens and
// a second prompt chunk (at most 12 rows per step: the vec_dot order).
const std::vector<std::vector<size_t>> kSchedule = {{5, 3, 4}, {1, 1, 6}, {1, 1, 1}, {2, 0, 1}, {1, 1, 1}};

// Runs kSchedule batched and solo; returns false (with a message) at the first difference.
void expect_batched_equals_solo(const Model& model, KvType kv_b = KvType::f16) {
    const size_t n_vocab = model.config().n_vocab;
    std::vector<Session> batched, solo;
    for (size_t i = 0; i < 3; ++i) {
        const KvType kv = i == 1 ? kv_b : KvType::f16;
        batched.emplace_back(model, SessionOptions{.n_ctx = 64, .kv_type = kv});
        solo.emplace_back(model, SessionOptions{.n_ctx = 64, .kv_type = kv});
    }
    BatchEvaluator batch(model, 16, 4);
    for (size_t step = 0; step < kSchedule.size(); ++step) {
        std::vector<std::vector<TokenId>> ids(3);
        for (size_t i = 0; i < 3; ++i) {
            if (kSchedule[step][i] == 0) continue;
            ids[i] = some_ids(kSchedule[step][i], n_vocab, uint32_t(step * 10 + i));
            batch.add(batched[i], ids[i]);
            solo[i].eval(ids[i]);
        }
        EXPECT_TRUE(batch.eval());
        EXPECT_EQ(batch.n_tokens(), 0u);
        for (size_t i = 0; i < 3; ++i) {
            if (ids[i].empty()) continue;
            EXPECT_EQ(batched[i].n_past(), solo[i].n_past());
            EXPECT_TRUE(std::equal(batched[i].tokens().begin(), batched[i].tokens().end(), solo[i].tokens().begin()));
            EXPECT_TRUE(same_bits(batched[i].logits(), solo[i].logits())) << "step " << step << ", session " << i;
        }
    }
}

TEST(Batch, SequencesGetTheirSoloBitsOnEveryModel) {
    for (const std::string& file : shared_models()) {
        const auto path = model_path(file);
        HEARTH_REQUIRE_FILE(path);
        SCOPED_TRACE(file);
        const Model model = Model::load(path, {.threads = 2});
        expect_batched_equals_solo(model);
    }
}

TEST(Batch, Q8_0CacheNextToF16AndOneThread) {
    const auto path = model_path("tiny-llama3-q4_0.gguf");  // head_dim 32: a Q8_0 cache is allowed
    HEARTH_REQUIRE_FILE(path);
    const Model one = Model::load(path, {.threads = 1});
    expect_batched_equals_solo(one, KvType::q8_0);
}

TEST(Batch, SameBitsAtOneAndTwoThreads) {
    const auto path = model_path("tiny-qwen3-q4_k_m.gguf");
    HEARTH_REQUIRE_FILE(path);
    std::vector<std::vector<float>> logits;
    for (size_t threads : {1, 2}) {
        const Model model = Model::load(path, {.threads = threads});
        Session a(model, {.n_ctx = 128}), b(model, {.n_ctx = 128});
        BatchEvaluator batch(model, 80, 2);
        // 70 + 1 rows: the block-GEMM order and the tiled attention for a's prompt.
        batch.add(b, some_ids(1, model.config().n_vocab, 1));
        batch.add(a, some_ids(70, model.config().n_vocab, 2));
        ASSERT_TRUE(batch.eval());
        logits.emplace_back(a.logits().begin(), a.logits().end());
        logits.emplace_back(b.logits().begin(), b.logits().end());
    }
    EXPECT_TRUE(same_bits(logits[0], logits[2]));
    EXPECT_TRUE(same_bits(logits[1], logits[3]));
}

TEST(Batch, OneLongSequenceEqualsSessionEval) {
    const auto path = model_path("tiny-llama3-q4_0.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 2});
    const auto ids = some_ids(70, model.config().n_vocab, 3);  // >= 16 rows and >= 64 (tiled attention)
    Session batched(model, {.n_ctx = 128}), solo(model, {.n_ctx = 128});
    BatchEvaluator batch(model, 70, 1);
    batch.add(batched, ids);
    ASSERT_TRUE(batch.eval());
    solo.eval(ids);
    EXPECT_TRUE(same_bits(batched.logits(), solo.logits()));
}

TEST(Batch, AbortedPassKeepsNothing) {
    const auto path = model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    Session s(model, {.n_ctx = 64});
    BatchEvaluator batch(model, 8, 2);
    const std::vector<TokenId> ids = {1, 400, 401};
    batch.add(s, ids);
    std::atomic<bool> abort{true};
    EXPECT_FALSE(batch.eval(&abort));
    EXPECT_EQ(s.n_past(), 0u);
    EXPECT_TRUE(s.logits().empty());
    EXPECT_EQ(batch.n_sequences(), 0u);
    abort = false;
    batch.add(s, ids);
    EXPECT_TRUE(batch.eval(&abort));
    EXPECT_EQ(s.n_past(), 3u);
}

TEST(Batch, BadInputIsAClearErrorAndQueuesNothing) {
    const auto path = model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    const Model other = Model::load(path, {.threads = 1});
    Session a(model, {.n_ctx = 8}), b(model, {.n_ctx = 8}), c(other, {.n_ctx = 8});
    BatchEvaluator batch(model, 6, 2);
    const std::vector<TokenId> four = {1, 2, 3, 4}, nine(9, 5), bad = {1, 512};
    EXPECT_EQ(error_code_of([&] { BatchEvaluator(model, 0, 1); }), ErrorCode::invalid_argument);
    EXPECT_EQ(error_code_of([&] { BatchEvaluator(model, 2, 3); }), ErrorCode::invalid_argument);
    EXPECT_EQ(error_code_of([&] { batch.add(a, {}); }), ErrorCode::invalid_argument);
    EXPECT_EQ(error_code_of([&] { batch.add(a, bad); }), ErrorCode::invalid_argument);
    EXPECT_EQ(error_code_of([&] { batch.add(a, nine); }), ErrorCode::context_full);
    EXPECT_EQ(error_code_of([&] { batch.add(c, four); }), ErrorCode::invalid_argument);  // another Model
    EXPECT_EQ(batch.n_tokens(), 0u);
    batch.add(a, four);
    EXPECT_EQ(error_code_of([&] { batch.add(a, four); }), ErrorCode::invalid_argument);  // twice
    EXPECT_EQ(error_code_of([&] { batch.add(b, four); }), ErrorCode::invalid_argument);  // 8 > max_tokens
    EXPECT_EQ(batch.n_tokens(), 4u);
    EXPECT_EQ(batch.n_sequences(), 1u);
    EXPECT_TRUE(batch.eval());
    EXPECT_EQ(a.n_past(), 4u);
    EXPECT_EQ(b.n_past(), 0u);
}

}  // namespace
}  // namespace hearth::test
