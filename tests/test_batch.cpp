// BatchEvaluator: several sessions in one forward pass, each getting the same bits whatever else
// shares the pass (and close to evaluating it alone), mixed prompt chunks and decode tokens, any
// thread count, clear errors.
#include <algorithm>
#include <atomic>
#include <cmath>
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
// a second prompt chunk (at most 12 rows per step: below the block-GEMM threshold).
const std::vector<std::vector<size_t>> kSchedule = {{5, 3, 4}, {1, 1, 6}, {1, 1, 1}, {2, 0, 1}, {1, 1, 1}};
constexpr size_t kSessions = 3;

using StepLogits = std::vector<std::vector<std::vector<float>>>;  // [step][session] -> logits

std::vector<TokenId> schedule_ids(size_t step, size_t i, size_t n_vocab) {
    return some_ids(kSchedule[step][i], n_vocab, uint32_t(step * 10 + i));
}

KvType kv_of(size_t i, KvType kv_b) { return i == 1 ? kv_b : KvType::f16; }

// kSchedule with all sessions in one pass per step.
StepLogits run_together(const Model& model, KvType kv_b) {
    std::vector<Session> sessions;
    for (size_t i = 0; i < kSessions; ++i) sessions.emplace_back(model, SessionOptions{.n_ctx = 64, .kv_type = kv_of(i, kv_b)});
    BatchEvaluator batch(model, 16, 4);
    StepLogits out(kSchedule.size(), std::vector<std::vector<float>>(kSessions));
    for (size_t step = 0; step < kSchedule.size(); ++step) {
        for (size_t i = 0; i < kSessions; ++i)
            if (kSchedule[step][i] != 0) batch.add(sessions[i], schedule_ids(step, i, model.config().n_vocab));
        EXPECT_TRUE(batch.eval());
        EXPECT_EQ(batch.n_tokens(), 0u);
        for (size_t i = 0; i < kSessions; ++i)
            if (kSchedule[step][i] != 0) out[step][i].assign(sessions[i].logits().begin(), sessions[i].logits().end());
    }
    return out;
}

// kSchedule with each session on its own, in a pass beside a companion that decodes one token
// per step (companion = false: the session alone, through Session::eval).
StepLogits run_apart(const Model& model, KvType kv_b, bool companion) {
    const size_t n_vocab = model.config().n_vocab;
    StepLogits out(kSchedule.size(), std::vector<std::vector<float>>(kSessions));
    for (size_t i = 0; i < kSessions; ++i) {
        Session s(model, SessionOptions{.n_ctx = 64, .kv_type = kv_of(i, kv_b)}), other(model, SessionOptions{.n_ctx = 64});
        BatchEvaluator batch(model, 16, 2);
        for (size_t step = 0; step < kSchedule.size(); ++step) {
            if (kSchedule[step][i] == 0) continue;
            if (companion) {
                batch.add(other, some_ids(1, n_vocab, uint32_t(100 + step)));
                batch.add(s, schedule_ids(step, i, n_vocab));
                EXPECT_TRUE(batch.eval());
            } else {
                s.eval(schedule_ids(step, i, n_vocab));
            }
            out[step][i].assign(s.logits().begin(), s.logits().end());
        }
    }
    return out;
}

double nrmse(std::span<const float> got, std::span<const float> want) {
    double err = 0, sum = 0;
    for (size_t j = 0; j < want.size(); ++j) {
        err += (double(got[j]) - want[j]) * (double(got[j]) - want[j]);
        sum += double(want[j]) * want[j];
    }
    return std::sqrt(err / std::max(sum, 1e-30));
}

// A pass of two or more rows computes every row on its own (each matmul output in the order of
// its row count class, the same for 2-15 rows whatever the rows are): a session gets the same
// bits beside any other sessions. Alone, one decode token takes the single-token order (vec_dot
// for most types), so there it is only close: same top-1, relative error far below quantization's.
void expect_rows_independent(const Model& model, KvType kv_b = KvType::f16) {
    const StepLogits together = run_together(model, kv_b), beside = run_apart(model, kv_b, true),
                     alone = run_apart(model, kv_b, false);
    for (size_t step = 0; step < kSchedule.size(); ++step)
        for (size_t i = 0; i < kSessions; ++i) {
            if (kSchedule[step][i] == 0) continue;
            EXPECT_TRUE(same_bits(together[step][i], beside[step][i])) << "step " << step << ", session " << i;
            const auto& a = alone[step][i];
            const auto& t = together[step][i];
            ASSERT_EQ(a.size(), t.size());
            EXPECT_EQ(std::max_element(a.begin(), a.end()) - a.begin(), std::max_element(t.begin(), t.end()) - t.begin())
                << "step " << step << ", session " << i;
            EXPECT_LT(nrmse(t, a), 1e-3) << "step " << step << ", session " << i;
        }
}

TEST(Batch, SequencesGetTheSameBitsWhateverShareThePass) {
    for (const std::string& file : shared_models()) {
        const auto path = model_path(file);
        HEARTH_REQUIRE_FILE(path);
        SCOPED_TRACE(file);
        const Model model = Model::load(path, {.threads = 2});
        expect_rows_independent(model);
    }
}

TEST(Batch, Q8_0CacheNextToF16AndOneThread) {
    const auto path = model_path("tiny-llama3-q4_0.gguf");  // head_dim 32: a Q8_0 cache is allowed
    HEARTH_REQUIRE_FILE(path);
    const Model one = Model::load(path, {.threads = 1});
    expect_rows_independent(one, KvType::q8_0);
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
