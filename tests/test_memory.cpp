// Memory behaviour of a running model: no heap allocation per generated token (global operator
// new is replaced in this file and counts only inside a measured region), the memory report,
// copied (--no-mmap) and --mlock loading, and the Q8_0 KV cache's quality against F16 (KL on the
// reference models).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>

#include "hearth/hearth.hpp"
#include "kernels/kernels.hpp"
#include "test_golden_data.hpp"
#include "test_support.hpp"

namespace {
// Counting is off except between AllocationCounter's construction and destruction, so the
// replacement costs the rest of hearth_tests one relaxed load per allocation.
std::atomic<bool> g_counting{false};
std::atomic<size_t> g_allocations{0};

void* counted_alloc(std::size_t n, std::size_t align) {
    if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (n == 0) n = 1;
    void* p = align <= alignof(std::max_align_t) ? std::malloc(n) : std::aligned_alloc(align, (n + align - 1) / align * align);
    return p;
}
}  // namespace

// The whole family, so that under ASan no pointer from its operator new reaches our delete.
// (GCC cannot see that these deletes pair with the news below, which allocate with malloc.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
    if (void* p = counted_alloc(n, 0)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
    if (void* p = counted_alloc(n, static_cast<std::size_t>(a))) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return ::operator new(n, a); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, 0); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n, 0); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted_alloc(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

namespace hearth {
namespace {

class AllocationCounter {
public:
    AllocationCounter() {
        g_allocations.store(0);
        g_counting.store(true);
    }
    ~AllocationCounter() { g_counting.store(false); }
    size_t count() const { return g_allocations.load(); }
};

TEST(Memory, NoHeapAllocationPerEvaluatedToken) {
    for (const char* file : {"tiny-llama3-q4_0.gguf", "tiny-qwen3-q4_k_m.gguf"}) {
        const auto path = test::model_path(file);
        HEARTH_REQUIRE_FILE(path);
        const Model model = Model::load(path, {.threads = 2});  // worker threads must not allocate either
        for (KvType kv : {KvType::f16, KvType::q8_0}) {
            Session session(model, {.n_ctx = 64, .kv_type = kv});
            const std::vector<TokenId> prompt = model.tokenizer().encode("Once upon a time", true, false);
            session.eval(prompt);
            TokenId next = 0;
            size_t allocations = 0;
            for (int step = 0; step < 8; ++step) {
                const auto logits = session.logits();
                next = static_cast<TokenId>(std::max_element(logits.begin(), logits.end()) - logits.begin());
                AllocationCounter counter;
                session.eval(std::span<const TokenId>(&next, 1));
                allocations += counter.count();
            }
            EXPECT_EQ(allocations, 0u) << file << " kv " << to_string(kv) << ": heap allocations in 8 decode steps";
        }
    }
}

TEST(Memory, GenerateAllocatesFarLessThanOncePerToken) {
    const auto path = test::model_path("tiny-llama3-q4_0.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    Session session(model, {.n_ctx = 256});
    GenerateOptions options;
    options.sampling.temperature = 0;
    auto allocations_for = [&](size_t n) {
        session.reset();
        options.max_tokens = n;
        AllocationCounter counter;
        const GenerateResult r = session.generate("Hello world", options);
        EXPECT_EQ(r.tokens.size(), n);
        return counter.count();
    };
    // Per-call setup (sampler tables, tokenizing the prompt) is a constant; what grows with the
    // token count is only amortized growth of the result text and ids (logarithmic).
    const size_t a16 = allocations_for(16), a96 = allocations_for(96);
    std::printf("[ allocs   ] generate: %zu heap allocations for 16 tokens, %zu for 96\n", a16, a96);
    EXPECT_LT(a96 - std::min(a96, a16), 30u) << a16 << " allocations for 16 tokens, " << a96 << " for 96";
}

TEST(Memory, ModelReportCountsMappedWeights) {
    const auto path = test::model_path("tiny-llama3-q8_0.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1, .weights = WeightStorage::mapped});
    const MemoryReport m = memory_report(model);
    EXPECT_EQ(m.weights_storage, WeightStorage::mapped);
    EXPECT_EQ(m.file_bytes, std::filesystem::file_size(path));
    EXPECT_EQ(m.weights_bytes, m.file_bytes - model.file().data_offset());
    EXPECT_LE(m.weights_resident, m.weights_bytes);
    EXPECT_EQ(m.kv_cache_bytes + m.activation_bytes, 0u);
    // Prompt-GEMM panels: one per thread, far smaller than the weights (0 where no GEMM exists).
    EXPECT_LE(m.repacked_bytes, m.weights_bytes / 8);
    EXPECT_EQ(m.total(), m.weights_bytes + m.repacked_bytes);

    Session session(model, {.n_ctx = 128});
    session.eval(model.tokenizer().encode("Hello", true, false));
    const MemoryReport s = memory_report(session);
    EXPECT_EQ(s.n_ctx, 128u);
    EXPECT_GT(s.kv_cache_bytes, 0u);
    EXPECT_GT(s.activation_bytes, 0u);
    EXPECT_GT(s.weights_resident, 0u);  // a forward pass has touched every weight page
    EXPECT_EQ(s.total(), s.weights_bytes + s.repacked_bytes + s.kv_cache_bytes + s.activation_bytes);
    const std::string text = format_memory_report(s);
    for (const char* word : {"weights", "mapped", "resident", "KV cache", "128 tokens, f16", "activations", "total"})
        EXPECT_NE(text.find(word), std::string::npos) << word << " missing in\n" << text;
}

// a and b (the same file, loaded two ways) give the same logits bits for a prompt and six greedy
// tokens after it.
void expect_same_decode(const Model& a_model, const Model& b_model) {
    const std::vector<TokenId> ids = a_model.tokenizer().encode("Hello world, once upon a time", true, false);
    Session a(a_model, {.n_ctx = 32}), b(b_model, {.n_ctx = 32});
    a.eval(ids);
    b.eval(ids);
    for (int step = 0; step < 6; ++step) {
        ASSERT_EQ(a.logits().size(), b.logits().size());
        ASSERT_TRUE(std::equal(a.logits().begin(), a.logits().end(), b.logits().begin())) << "step " << step;
        const TokenId next = TokenId(std::max_element(a.logits().begin(), a.logits().end()) - a.logits().begin());
        a.eval({&next, 1});
        b.eval({&next, 1});
    }
}

TEST(Memory, NoMmapReadsTheSameWeightsWithProgress) {
    const auto path = test::model_path("tiny-llama3-q4_0.gguf");
    HEARTH_REQUIRE_FILE(path);
    std::vector<double> progress;
    ModelOptions options{.threads = 1, .weights = WeightStorage::copied};
    options.progress = [&](double f) { progress.push_back(f); };
    const Model read = Model::load(path, options);
    const Model mapped = Model::load(path, {.threads = 1, .weights = WeightStorage::mapped});
    ASSERT_FALSE(progress.empty());
    EXPECT_EQ(progress.back(), 1.0);
    EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
    const MemoryReport r = memory_report(read);
    EXPECT_EQ(r.weights_storage, WeightStorage::copied);
    EXPECT_EQ(r.weights_resident, r.weights_bytes);
    EXPECT_EQ(memory_report(mapped).weights_decode_tiles, 0u);  // the mapping stays as the file has it
    if (kernels::type_kernels(GgmlType::q4_0)->gemm.few.one_tiled != nullptr) {
        EXPECT_GT(r.weights_decode_tiles, r.weights_bytes / 2);  // every matrix: their rows come in sixteens
        EXPECT_NE(format_memory_report(r).find("decode tiles"), std::string::npos);
    }

    // The copy's Q4_0 matrices take the decode layout where the level has it (the mapping keeps
    // ggml's): the prompt's batch and each decoded token must still give the same bits.
    expect_same_decode(read, mapped);
}

// The same for the other types the decode layout takes (Q8_0; Q4_K and Q6_K of a Q4_K_M file), at
// 2 threads.
TEST(Memory, CopiedAndMappedDecodeAlikeForEveryTiledType) {
    const std::pair<const char*, GgmlType> files[] = {{"tiny-llama3-q8_0.gguf", GgmlType::q8_0},
                                                       {"tiny-qwen3-q4_k_m.gguf", GgmlType::q4_k}};
    for (const auto& [name, type] : files) {
        const auto path = test::model_path(name);
        HEARTH_REQUIRE_FILE(path);
        const Model copied = Model::load(path, {.threads = 2, .weights = WeightStorage::copied});
        const Model mapped = Model::load(path, {.threads = 2, .weights = WeightStorage::mapped});
        SCOPED_TRACE(name);
        if (kernels::type_kernels(type)->gemm.few.one_tiled != nullptr)
            EXPECT_GT(memory_report(copied).weights_decode_tiles, 0u);
        expect_same_decode(copied, mapped);
    }
}

TEST(Memory, MlockLocksOrSaysWhyNot) {
    const auto path = test::model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    try {
        const Model model = Model::load(path, {.threads = 1, .mlock = true});
        EXPECT_TRUE(memory_report(model).weights_locked);
        EXPECT_EQ(memory_report(model).weights_resident, memory_report(model).weights_bytes);
    } catch (const Error& e) {  // a small RLIMIT_MEMLOCK: the message must name it and the fix
        EXPECT_EQ(e.code(), ErrorCode::out_of_memory);
        EXPECT_NE(std::string(e.what()).find("RLIMIT_MEMLOCK"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("ulimit -l"), std::string::npos) << e.what();
    }
}

// Q8_0 keys and values against the F16 cache on the reference prompts continued by llama.cpp's
// greedy tokens (~40 positions): the distributions stay close (mean KL well below what a
// different quantization of the weights causes, ~1e-2 on these random-weight models).
TEST(Memory, Q8KvCacheStaysCloseToF16) {
    for (const std::string stem : {"tiny-llama2-spm-q8_0", "tiny-llama3-q4_0", "tiny-qwen2-q8_0", "tiny-qwen3-q4_k_m"}) {
        const auto path = test::model_path(stem + ".gguf");
        const auto greedy = test::reference_dir(stem) / "greedy.jsonl";
        HEARTH_REQUIRE_FILE(path);
        HEARTH_REQUIRE_FILE(greedy);
        const Model model = Model::load(path, {.threads = 2});
        const std::string line = test::read_lines(greedy).at(0);
        std::vector<TokenId> ids = test::json_int_array(line, "prompt_ids");
        for (TokenId id : test::json_int_array(line, "ids")) ids.push_back(id);
        const size_t n_vocab = model.config().n_vocab;
        auto logits_with = [&](KvType kv) {
            Session s(model, {.n_ctx = ids.size(), .n_batch = 16, .kv_type = kv});
            std::vector<float> all(ids.size() * n_vocab);
            s.eval(ids, all);
            return all;
        };
        const std::vector<float> f16 = logits_with(KvType::f16), q8 = logits_with(KvType::q8_0);
        const test::Agreement a = test::compare_logits(q8, f16, n_vocab);
        std::printf("[ kv q8_0 ] %-22s %zu positions: mean KL %.2e, top-1 same %zu, max NRMSE %.3f\n", stem.c_str(), a.rows,
                    a.mean_kl, a.top1_same, a.max_nrmse);
        EXPECT_LT(a.mean_kl, 5e-3) << stem;
        EXPECT_GE(a.top1_same * 10, a.rows * 9) << stem;  // at least 90% same argmax
    }
}

TEST(Memory, Q8KvCacheNeedsWholeBlocksPerHead) {
    const auto path = test::model_path("stories260K.gguf");  // head_dim 8
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    try {
        Session s(model, {.n_ctx = 16, .kv_type = KvType::q8_0});
        FAIL() << "q8_0 KV accepted with head_dim 8";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::unsupported);
        EXPECT_NE(std::string(e.what()).find("use f16"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace hearth
