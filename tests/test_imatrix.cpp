// Importance matrices: what the collector counts (checked against activations computed here),
// per-expert statistics of a mixture-of-experts model, independence of the thread count, the
// GGUF file (and llama.cpp's legacy .dat) round trip, and refusal of files that do not fit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/gguf_writer.hpp"
#include "hearth/imatrix.hpp"
#include "hearth/quantize.hpp"
#include "hearth/synth.hpp"
#include "test_support.hpp"

namespace hearth::test {
namespace {

std::filesystem::path temp(const std::string& name) { return std::filesystem::path(::testing::TempDir()) / name; }

// A small random-weight model of `arch`, written once per test binary run.
std::filesystem::path tiny_model(const std::string& arch, const std::string& type) {
    const auto path = temp("imatrix_" + arch + "_" + type + ".gguf");
    if (!std::filesystem::exists(path)) synth::write_model(synth::find_shape(arch, "tiny"), quant::parse_recipe(type), 5, path, 2);
    return path;
}

std::vector<TokenId> some_tokens(size_t n, size_t n_vocab, size_t salt) {
    std::vector<TokenId> ids(n);
    for (size_t i = 0; i < n; ++i) ids[i] = TokenId((i * 37 + salt) % n_vocab);
    return ids;
}

Imatrix collect(const std::filesystem::path& model_path, size_t threads, size_t n_chunks, size_t chunk) {
    const Model model = Model::load(model_path, {.threads = threads});
    Session session(model, {.n_ctx = chunk, .n_batch = 32});
    ImatrixCollector collector(session);
    for (size_t c = 0; c < n_chunks; ++c) collector.add_chunk(some_tokens(chunk, model.config().n_vocab, 11 + c));
    return collector.result();
}

const float* f32_tensor(const gguf::File& f, const std::string& name) { return reinterpret_cast<const float*>(f.tensor(name).data); }

TEST(Imatrix, CountsEveryRowAndSumsTheSquaresOfTheInput) {
    const auto path = tiny_model("llama", "f32");
    const size_t n_chunks = 2, chunk = 40;
    const Imatrix m = collect(path, 2, n_chunks, chunk);
    EXPECT_EQ(m.chunk_count, n_chunks);
    EXPECT_EQ(m.chunk_size, chunk);
    const Model model = Model::load(path);
    const ModelConfig& c = model.config();
    // Every dense matrix, the output one included, saw every token of every chunk.
    for (const char* name : {"blk.0.attn_q.weight", "blk.0.attn_output.weight", "blk.1.ffn_down.weight", "blk.1.ffn_up.weight"}) {
        const ImatrixEntry* e = m.find(name);
        ASSERT_NE(e, nullptr) << name;
        ASSERT_EQ(e->counts.size(), 1u);
        EXPECT_EQ(e->counts[0], float(n_chunks * chunk)) << name;
    }
    const ImatrixEntry* out = m.find(c.tied_embeddings ? "token_embd.weight" : "output.weight");
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(out->counts[0], float(n_chunks * chunk));

    // Layer 0's q/k/v input is rmsnorm(token_embd[id]) * attn_norm: recompute its sum of squares.
    const gguf::File& f = model.file();
    const float* embd = f32_tensor(f, "token_embd.weight");
    const float* norm = f32_tensor(f, "blk.0.attn_norm.weight");
    std::vector<double> want(c.n_embd, 0.0);
    for (size_t ch = 0; ch < n_chunks; ++ch)
        for (TokenId id : some_tokens(chunk, c.n_vocab, 11 + ch)) {
            const float* x = embd + size_t(id) * c.n_embd;
            double ss = 0;
            for (size_t j = 0; j < c.n_embd; ++j) ss += double(x[j]) * x[j];
            const double scale = 1.0 / std::sqrt(ss / double(c.n_embd) + c.rms_eps);
            for (size_t j = 0; j < c.n_embd; ++j) want[j] += std::pow(x[j] * scale * norm[j], 2);
        }
    const ImatrixEntry* q = m.find("blk.0.attn_q.weight");
    ASSERT_EQ(q->in_sum2.size(), c.n_embd);
    for (size_t j = 0; j < c.n_embd; ++j) EXPECT_NEAR(q->in_sum2[j], want[j], 1e-4 * want[j] + 1e-6) << "column " << j;
    // k and v read the same rows as q.
    EXPECT_EQ(m.find("blk.0.attn_k.weight")->in_sum2, q->in_sum2);
    EXPECT_EQ(m.find("blk.0.attn_v.weight")->in_sum2, q->in_sum2);
}

TEST(Imatrix, SameBitsWithOneOrTwoThreads) {
    const auto path = tiny_model("llama", "q8_0");
    const Imatrix one = collect(path, 1, 1, 48), two = collect(path, 2, 1, 48);
    ASSERT_EQ(one.entries.size(), two.entries.size());
    for (const auto& [name, e] : one.entries) {
        EXPECT_EQ(e.in_sum2, two.find(name)->in_sum2) << name;
        EXPECT_EQ(e.counts, two.find(name)->counts) << name;
    }
}

TEST(Imatrix, ExpertsAreCountedOnePerRoutedRow) {
    const auto path = tiny_model("qwen3moe", "f16");
    const size_t chunk = 50;
    const Imatrix m = collect(path, 2, 1, chunk);
    const synth::Shape& s = synth::find_shape("qwen3moe", "tiny");
    for (const char* t : {"blk.0.ffn_gate_exps.weight", "blk.0.ffn_up_exps.weight", "blk.0.ffn_down_exps.weight"}) {
        const ImatrixEntry* e = m.find(t);
        ASSERT_NE(e, nullptr) << t;
        ASSERT_EQ(e->n_mat, s.n_expert) << t;
        float total = 0;
        for (float n : e->counts) total += n;
        EXPECT_EQ(total, float(chunk * s.n_expert_used)) << t;  // each token goes through k experts
        for (size_t x = 0; x < e->n_mat; ++x) {  // an expert's sums come from its rows only
            if (e->counts[x] != 0) continue;
            for (size_t j = 0; j < e->n_cols; ++j) EXPECT_EQ(e->in_sum2[x * e->n_cols + j], 0.0f);
        }
    }
    EXPECT_EQ(m.find("blk.0.ffn_gate_exps.weight")->counts, m.find("blk.0.ffn_down_exps.weight")->counts);
}

TEST(Imatrix, GgufRoundTripInLlamaCppLayout) {
    Imatrix m = collect(tiny_model("llama", "q8_0"), 2, 1, 32);
    m.datasets = {"story.txt"};
    const auto path = temp("round_trip.imatrix.gguf");
    m.save(path);
    const gguf::File f = gguf::File::open(path);
    EXPECT_EQ(f.get_string("general.type"), "imatrix");
    EXPECT_EQ(f.get_uint("imatrix.chunk_count"), 1u);
    EXPECT_EQ(f.get_uint("imatrix.chunk_size"), 32u);
    const gguf::TensorInfo& sum2 = f.tensor("blk.0.attn_q.weight.in_sum2");
    EXPECT_EQ(sum2.type, GgmlType::f32);
    EXPECT_EQ(f.tensor("blk.0.attn_q.weight.counts").n_elements, 1u);
    const Imatrix back = Imatrix::load(path);
    EXPECT_EQ(back.datasets, m.datasets);
    ASSERT_EQ(back.entries.size(), m.entries.size());
    for (const auto& [name, e] : m.entries) {
        EXPECT_EQ(back.find(name)->in_sum2, e.in_sum2) << name;
        EXPECT_EQ(back.find(name)->counts, e.counts) << name;
    }
}

// llama.cpp's legacy .dat layout, written here byte by byte.
void write_legacy(const std::filesystem::path& p, const std::string& name, int32_t ncall, const std::vector<float>& values,
                  bool truncate) {
    std::ofstream out(p, std::ios::binary);
    auto i32 = [&](int32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
    i32(1);
    i32(int32_t(name.size()));
    out.write(name.data(), std::streamsize(name.size()));
    i32(ncall);
    i32(int32_t(values.size()));
    out.write(reinterpret_cast<const char*>(values.data()), std::streamsize(values.size() * 4 - (truncate ? 2 : 0)));
    if (truncate) return;
    i32(ncall);
    i32(3);
    out.write("abc", 3);
}

TEST(Imatrix, ReadsLegacyDatFiles) {
    const auto path = temp("legacy.dat");
    write_legacy(path, "blk.0.attn_q.weight", 4, {4.0f, 8.0f, 0.0f}, false);
    const Imatrix m = Imatrix::load(path);
    ASSERT_NE(m.find("blk.0.attn_q.weight"), nullptr);
    EXPECT_EQ(m.find("blk.0.attn_q.weight")->importance(0), (std::vector<float>{1.0f, 2.0f, 0.0f}));
    EXPECT_EQ(m.chunk_count, 4u);
    EXPECT_EQ(m.datasets, std::vector<std::string>{"abc"});
    write_legacy(path, "blk.0.attn_q.weight", 4, {4.0f, 8.0f, 0.0f}, true);
    try {
        Imatrix::load(path);
        FAIL() << "a truncated legacy file was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_file);
        EXPECT_NE(std::string(e.what()).find("attn_q"), std::string::npos) << e.what();
    }
}

TEST(Imatrix, RefusesEntriesWithoutCountsOrWithBadValues) {
    const auto path = temp("bad.imatrix.gguf");
    const std::vector<float> sums = {1.0f, 2.0f}, negative = {1.0f, -2.0f}, counts = {3.0f};
    const uint64_t ne[] = {2, 1}, ne_counts[] = {1, 1};
    {
        gguf::Writer w;
        w.add_string("general.type", "imatrix");
        w.add_tensor("blk.0.attn_q.weight.in_sum2", GgmlType::f32, ne, std::as_bytes(std::span(sums)));
        w.write(path);
    }
    EXPECT_EQ(error_code_of([&] { Imatrix::load(path); }), ErrorCode::invalid_file);
    {
        gguf::Writer w;
        w.add_tensor("blk.0.attn_q.weight.in_sum2", GgmlType::f32, ne, std::as_bytes(std::span(negative)));
        w.add_tensor("blk.0.attn_q.weight.counts", GgmlType::f32, ne_counts, std::as_bytes(std::span(counts)));
        w.write(path);
    }
    EXPECT_EQ(error_code_of([&] { Imatrix::load(path); }), ErrorCode::invalid_file);
}

TEST(Imatrix, QuantizeRefusesAnImatrixOfAnotherShapeAndWritesNothing) {
    const auto model_path = tiny_model("llama", "f32");
    Imatrix m;
    ImatrixEntry e;
    e.n_cols = 7;  // the model's attn_q has n_embd columns
    e.in_sum2.assign(7, 1.0f);
    e.counts = {1.0f};
    m.entries.emplace("blk.0.attn_q.weight", e);
    const gguf::File in = gguf::File::open(model_path);
    const auto out = temp("refused.gguf");
    std::filesystem::remove(out);
    try {
        quant::quantize_model(in, quant::parse_recipe("q4_k_m"), out, 2, {}, &m);
        FAIL() << "a mismatched imatrix was accepted";
    } catch (const Error& err) {
        EXPECT_EQ(err.code(), ErrorCode::invalid_argument);
        EXPECT_NE(std::string(err.what()).find("blk.0.attn_q.weight"), std::string::npos) << err.what();
    }
    EXPECT_FALSE(std::filesystem::exists(out));
}

// Mean KL(p || q) over the rows of two [rows, n_vocab] logit arrays.
double mean_kl(const std::vector<float>& p_logits, const std::vector<float>& q_logits, size_t n_vocab) {
    auto log_softmax = [&](const float* l, std::vector<double>& out) {
        const double max = *std::max_element(l, l + n_vocab);
        double sum = 0;
        for (size_t i = 0; i < n_vocab; ++i) sum += std::exp(l[i] - max);
        for (size_t i = 0; i < n_vocab; ++i) out[i] = l[i] - max - std::log(sum);
    };
    std::vector<double> lp(n_vocab), lq(n_vocab);
    const size_t rows = p_logits.size() / n_vocab;
    double kl = 0;
    for (size_t r = 0; r < rows; ++r) {
        log_softmax(p_logits.data() + r * n_vocab, lp);
        log_softmax(q_logits.data() + r * n_vocab, lq);
        for (size_t i = 0; i < n_vocab; ++i) kl += std::exp(lp[i]) * (lp[i] - lq[i]);
    }
    return kl / double(rows);
}

// The logits of every token of the given chunks, each evaluated from position 0.
std::vector<float> chunk_logits(const std::filesystem::path& path, const std::vector<std::vector<TokenId>>& chunks) {
    const Model model = Model::load(path, {.threads = 2});
    Session session(model, {.n_ctx = chunks[0].size()});
    std::vector<float> all, logits(chunks[0].size() * model.config().n_vocab);
    for (const auto& chunk : chunks) {
        session.reset();
        session.eval(chunk, logits);
        all.insert(all.end(), logits.begin(), logits.end());
    }
    return all;
}

// What an importance matrix is for: on a trained model, the quantized model's predictions move
// less from the original's when the quantizer weighs its errors by it. Calibrated on the first
// half of a text and measured on the second half. stories260K's matrices are 64 wide, so its
// Q4_K_M is mostly Q5_0 (the Q4_K fallback); Q4_0 shows a 4-bit format.
TEST(Imatrix, LowersTheKlOfAQuantizedTrainedModel) {
    const auto f32 = model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(f32);
    const Model model = Model::load(f32, {.threads = 2});
    const Tokenizer& tok = model.tokenizer();
    const std::vector<TokenId> tokens =
        tok.encode(read_text(std::filesystem::path(HEARTH_TEST_DATA_DIR) / "imatrix" / "calibration.txt"), true, false);
    const size_t chunk = 128, n_chunks = tokens.size() / chunk;
    ASSERT_GE(n_chunks, 8u);
    std::vector<std::vector<TokenId>> calibration, held_out;
    for (size_t c = 0; c < n_chunks; ++c) {
        std::vector<TokenId> ids(tokens.begin() + std::ptrdiff_t(c * chunk), tokens.begin() + std::ptrdiff_t((c + 1) * chunk));
        ids[0] = tok.bos();
        (c < n_chunks / 2 ? calibration : held_out).push_back(std::move(ids));
    }
    Session session(model, {.n_ctx = chunk});
    ImatrixCollector collector(session);
    for (const auto& ids : calibration) collector.add_chunk(ids);
    const Imatrix imatrix = collector.result();

    const std::vector<float> base = chunk_logits(f32, held_out);
    const gguf::File in = gguf::File::open(f32);
    for (const char* recipe : {"q4_k_m", "q4_0"}) {
        const auto plain = temp(std::string("stories_") + recipe + ".gguf"), weighted = temp(std::string("stories_imx_") + recipe + ".gguf");
        quant::quantize_model(in, quant::parse_recipe(recipe), plain, 2);
        quant::quantize_model(in, quant::parse_recipe(recipe), weighted, 2, {}, &imatrix);
        const double kl_plain = mean_kl(base, chunk_logits(plain, held_out), model.config().n_vocab);
        const double kl_weighted = mean_kl(base, chunk_logits(weighted, held_out), model.config().n_vocab);
        std::printf("[imatrix] stories260K %s: mean KL vs F32 on held-out text %.5f without, %.5f with the imatrix\n", recipe,
                    kl_plain, kl_weighted);
        EXPECT_LT(kl_weighted, kl_plain) << recipe;
    }
}

}  // namespace
}  // namespace hearth::test
