// Session::embed: pooled final hidden states against llama.cpp's (tests/data/embeddings/, made by
// make_reference.mjs there), and the properties callers rely on: chunking, normalisation,
// thread-count independence, the pooling the metadata asks for, errors, and generation after it.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "bert_test_model.hpp"
#include "hearth/hearth.hpp"
#include "test_gguf_rewrite.hpp"
#include "test_support.hpp"

namespace hearth::test {
namespace {

const std::filesystem::path kReferenceDir = std::filesystem::path(HEARTH_TEST_DATA_DIR) / "embeddings";

double l2_norm(const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += double(x) * x;
    return std::sqrt(s);
}

EmbedOptions with_pooling(const std::string& name) {
    EmbedOptions o;
    if (name != "default") o.pooling = pooling_from_string(name);
    return o;
}

// The worst NRMSE of session's vectors against the reference file's cases, each held to 1e-3.
double compare_with_reference(const std::string& stem, Session& session) {
    const nlohmann::json ref = nlohmann::json::parse(read_text(kReferenceDir / (stem + ".json")));
    double worst = 0;
    for (const nlohmann::json& c : ref["cases"]) {
        const std::string text = ref["texts"][c["text"].get<std::string>()];
        const std::vector<float> expected = c["embedding"];
        const EmbedOptions options = with_pooling(c["pooling"]);
        EXPECT_TRUE(c["pooling"] == "default" || options.pooling) << c["pooling"];
        const std::vector<float> got = session.embed(text, options);
        EXPECT_EQ(got.size(), expected.size());
        if (got.size() != expected.size()) continue;
        EXPECT_EQ(session.n_past(), c["n_tokens"].get<size_t>()) << "BOS/EOS differ from llama.cpp's: " << c["text"];
        const double e = rel_rms(expected, got);  // NRMSE = ||got - ref|| / ||ref||
        EXPECT_LE(e, 1e-3) << c["pooling"] << " " << c["text"];
        worst = std::max(worst, e);
    }
    return worst;
}

class EmbeddingReference : public ::testing::TestWithParam<std::string> {};

// Every case in one batch, as llama.cpp evaluated it, in llama.cpp's rounding order
// (SessionOptions::ggml_order, what hearth embed and the server use): without it, the 77-78
// token text of tiny-qwen3 and tiny-llama3-q8_0 came out 7e-3 and 9.5e-3 away (random weights
// amplify last-bit differences), because hearth's fast K-quant and AVX-512 Q8_0 kernels round
// differently from llama.cpp's.
TEST_P(EmbeddingReference, MatchesLlamaCpp) {
    const auto model_file = model_path(GetParam() + ".gguf");
    HEARTH_REQUIRE_FILE(model_file);
    const Model model = Model::load(model_file, {.threads = 2});
    Session session(model, {.n_ctx = 512, .n_batch = 512, .ggml_order = true});
    const double worst = compare_with_reference(GetParam(), session);
    std::printf("[embedding] %-20s max NRMSE vs llama.cpp %.3g\n", GetParam().c_str(), worst);
}

// Chunks of 7 tokens (the long text is 215 tokens: 31 chunks) on the F32 model, whose vectors
// do not depend on the rounding order beyond 1e-4.
TEST(Embedding, ChunkedMatchesLlamaCpp) {
    const auto model_file = model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(model_file);
    const Model model = Model::load(model_file, {.threads = 2});
    Session session(model, {.n_ctx = 512, .n_batch = 7});
    const double worst = compare_with_reference("stories260K", session);
    std::printf("[embedding] stories260K n_batch 7: max NRMSE vs llama.cpp %.3g\n", worst);
}

// The synthetic BERT (bert_test_model.hpp, written by the test) against llama.cpp's vectors of
// the same bytes: WordPiece ids with [CLS]/[SEP], learned positions, LayerNorms, attention over
// the whole text, GELU, mean (the file's pooling_type) and CLS pooling.
TEST(Embedding, BertMatchesLlamaCpp) {
    for (const std::string type : {"q8_0", "f16"}) {
        const Model model = Model::load(bert_test_model(type), {.threads = 2});
        Session session(model, {.n_ctx = 512, .n_batch = 512, .ggml_order = true});
        const double worst = compare_with_reference("tiny-bert-" + type, session);
        std::printf("[embedding] tiny-bert-%s (synth): max NRMSE vs llama.cpp %.3g\n", type.c_str(), worst);
    }
}

// The comparison above can fail: the same file with a causal mask (attention.causal = true)
// is far from llama.cpp's vectors, in every case.
TEST(Embedding, BertReferenceCatchesACausalMask) {
    const auto causal = rewrite(bert_test_model(), "tiny-bert-causal.gguf", {.key = [](std::string_view key, gguf::Writer& w) {
                                    if (key != "bert.attention.causal") return false;
                                    w.add_bool(key, true);
                                    return true;
                                }});
    const Model model = Model::load(causal, {.threads = 2});
    ASSERT_TRUE(model.config().causal);
    Session session(model, {.n_ctx = 512, .n_batch = 512});
    const nlohmann::json ref = nlohmann::json::parse(read_text(kReferenceDir / "tiny-bert-q8_0.json"));
    for (const nlohmann::json& c : ref["cases"]) {
        const std::vector<float> expected = c["embedding"];
        const std::vector<float> got = session.embed(ref["texts"][c["text"].get<std::string>()].get<std::string>(), with_pooling(c["pooling"]));
        EXPECT_GT(rel_rms(expected, got), 1e-2) << c["pooling"] << " " << c["text"];
    }
}

INSTANTIATE_TEST_SUITE_P(SharedModels, EmbeddingReference,
                         ::testing::Values("tiny-llama3-q8_0", "tiny-qwen3-q4_k_m", "tiny-gemma3-q4_0", "stories260K"),
                         [](const auto& info) {
                             std::string name = info.param;
                             for (char& ch : name)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return name;
                         });

std::filesystem::path stories() { return model_path("stories260K.gguf"); }

TEST(Embedding, NormalizeGivesTheUnitVector) {
    HEARTH_REQUIRE_FILE(stories());
    const Model model = Model::load(stories(), {.threads = 2});
    Session session(model, {.n_ctx = 128});
    for (Pooling p : {Pooling::mean, Pooling::cls, Pooling::last}) {
        const std::vector<float> raw = session.embed("Once upon a time", {.pooling = p});
        const std::vector<float> unit = session.embed("Once upon a time", {.pooling = p, .normalize = true});
        const double norm = l2_norm(raw);
        ASSERT_GT(norm, 0.0);
        EXPECT_NEAR(l2_norm(unit), 1.0, 1e-6) << to_string(p);
        for (size_t i = 0; i < raw.size(); ++i) EXPECT_NEAR(unit[i], raw[i] / norm, 1e-6) << to_string(p) << " " << i;
        // dimensions: the first values, normalised over those only.
        const std::vector<float> head(raw.begin(), raw.begin() + 16);
        const std::vector<float> cut = session.embed("Once upon a time", {.pooling = p, .dimensions = 16, .normalize = true});
        ASSERT_EQ(cut.size(), 16u);
        for (size_t i = 0; i < 16; ++i) EXPECT_NEAR(cut[i], head[i] / l2_norm(head), 1e-6) << to_string(p) << " " << i;
    }
    EXPECT_EQ(error_code_of([&] { session.embed("x", {.dimensions = model.config().n_embd + 1}); }), ErrorCode::invalid_argument);
}

TEST(Embedding, ThreadCountAndChunkingKeepTheVector) {
    HEARTH_REQUIRE_FILE(stories());
    const Model one = Model::load(stories(), {.threads = 1});
    const Model two = Model::load(stories(), {.threads = 2});
    const std::string text = "Lily and Ben went to the park. They saw a big red ball and played all day long.";
    Session a(one, {.n_ctx = 128}), b(two, {.n_ctx = 128}), small(two, {.n_ctx = 128, .n_batch = 7});
    for (Pooling p : {Pooling::mean, Pooling::cls, Pooling::last}) {
        const std::vector<float> ref = a.embed(text, {.pooling = p});
        EXPECT_EQ(b.embed(text, {.pooling = p}), ref) << to_string(p);  // bitwise: rows never depend on -t
        // Chunks of 7 run matmuls in the other (vec_dot) order than one 20+ row batch: last bits only.
        EXPECT_LE(rel_rms(ref, small.embed(text, {.pooling = p})), 1e-4) << to_string(p);
    }
}

// The quantized kernels too (Q4_K, Q6_K; 30 tokens: block GEMMs): the same bits at -t 1 and -t 2.
TEST(Embedding, ThreadCountKeepsQuantizedVectors) {
    const auto path = model_path("tiny-qwen3-q4_k_m.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model one = Model::load(path, {.threads = 1});
    const Model two = Model::load(path, {.threads = 2});
    const std::string text = "Lily and Ben went to the park. They saw a big red ball and played all day long with their dog.";
    Session a(one, {.n_ctx = 64}), b(two, {.n_ctx = 64});
    EXPECT_EQ(a.embed(text, {.pooling = Pooling::mean}), b.embed(text, {.pooling = Pooling::mean}));
}

TEST(Embedding, PoolingDefaultsToTheMetadataKey) {
    HEARTH_REQUIRE_FILE(stories());
    auto with_key = [](uint32_t type) {
        return rewrite(stories(), "stories_pooling_" + std::to_string(type) + ".gguf",
                       {.key = [type](std::string_view k, gguf::Writer& w) {
                           if (k != "general.architecture") return false;
                           w.add_string(k, "llama");
                           w.add_u32("llama.pooling_type", type);
                           return true;
                       }});
    };
    const Model plain = Model::load(stories(), {.threads = 2});
    EXPECT_EQ(default_pooling(plain), Pooling::last);  // no key: llama.cpp's last-token embedding
    const std::pair<uint32_t, Pooling> cases[] = {{0, Pooling::last}, {1, Pooling::mean}, {2, Pooling::cls}, {3, Pooling::last}};
    for (const auto& [type, pooling] : cases) {
        const auto file = with_key(type);
        const Model model = Model::load(file, {.threads = 2});
        EXPECT_EQ(default_pooling(model), pooling) << type;
        Session s(model, {.n_ctx = 64}), p(plain, {.n_ctx = 64});
        EXPECT_EQ(s.embed("One day"), p.embed("One day", {.pooling = pooling})) << type;
        std::filesystem::remove(file);
    }
    for (uint32_t unsupported : {4u, 9u}) {
        const auto file = with_key(unsupported);
        const Model model = Model::load(file, {.threads = 2});
        EXPECT_EQ(error_code_of([&] { (void)default_pooling(model); }), ErrorCode::unsupported) << unsupported;
        Session s(model, {.n_ctx = 64});
        EXPECT_EQ(s.embed("One day", {.pooling = Pooling::mean}).size(), model.config().n_embd);  // an explicit pooling works
        std::filesystem::remove(file);
    }
}

// The output matrix is not what embeddings come from: filled with NaN, it spoils the logits and
// leaves the vectors as they were.
TEST(Embedding, OutputMatrixIsNotUsed) {
    HEARTH_REQUIRE_FILE(stories());
    std::vector<float> nan_rows;
    const auto file = rewrite(stories(), "stories_nan_output.gguf",
                              {.tensor = [&](const gguf::TensorInfo& t, const gguf::File&, gguf::Writer& w) {
                                  if (t.name != "output.weight") return false;
                                  nan_rows.assign(t.n_elements, std::nanf(""));
                                  w.add_tensor(t.name, t.type, std::span<const uint64_t>(t.ne.data(), t.n_dims), std::as_bytes(std::span(nan_rows)));
                                  return true;
                              }});
    const Model plain = Model::load(stories(), {.threads = 2});
    const Model spoiled = Model::load(file, {.threads = 2});
    Session a(plain, {.n_ctx = 64}), b(spoiled, {.n_ctx = 64});
    for (Pooling p : {Pooling::mean, Pooling::cls, Pooling::last})
        EXPECT_EQ(b.embed("Once upon a time", {.pooling = p}), a.embed("Once upon a time", {.pooling = p})) << to_string(p);
    const std::vector<TokenId> ids = {1, 2, 3};
    b.reset();
    b.eval(ids);
    EXPECT_TRUE(std::isnan(b.logits()[0])) << "the rewrite did not reach the output matrix";
    std::filesystem::remove(file);
}

TEST(Embedding, BadInputIsAClearError) {
    HEARTH_REQUIRE_FILE(stories());
    const Model model = Model::load(stories(), {.threads = 2});
    Session session(model, {.n_ctx = 16, .n_batch = 4});
    EXPECT_EQ(error_code_of([&] { session.embed(""); }), ErrorCode::invalid_argument);
    EXPECT_EQ(error_code_of([&] { session.embed(std::span<const TokenId>()); }), ErrorCode::invalid_argument);
    const std::vector<TokenId> outside = {1, static_cast<TokenId>(model.config().n_vocab)};
    EXPECT_EQ(error_code_of([&] { session.embed(outside); }), ErrorCode::invalid_argument);
    const std::vector<TokenId> too_long(17, 1);
    try {
        session.embed(too_long);
        ADD_FAILURE() << "17 tokens embedded in a context of 16";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::context_full);
        EXPECT_NE(std::string(e.what()).find("17 tokens"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("16"), std::string::npos) << e.what();
    }
    const std::vector<TokenId> fits(16, 1);
    EXPECT_EQ(session.embed(fits).size(), model.config().n_embd);
}

// embed leaves its tokens in the cache without logits; generate afterwards answers as in a fresh session.
TEST(Embedding, GenerationAfterEmbedIsUnchanged) {
    HEARTH_REQUIRE_FILE(stories());
    const Model model = Model::load(stories(), {.threads = 2});
    GenerateOptions greedy;
    greedy.sampling.temperature = 0;
    greedy.max_tokens = 12;
    Session fresh(model, {.n_ctx = 128});
    const GenerateResult expected = fresh.generate("Once upon a time", greedy);
    Session used(model, {.n_ctx = 128});
    used.embed("Once upon a time, there was");
    EXPECT_TRUE(used.logits().empty());
    EXPECT_GT(used.n_past(), 0u);
    EXPECT_EQ(used.generate("Once upon a time", greedy).tokens, expected.tokens);
    used.embed("A cat sat on the mat.");
    EXPECT_EQ(used.generate("Once upon a time", greedy).tokens, expected.tokens);
}

}  // namespace
}  // namespace hearth::test
