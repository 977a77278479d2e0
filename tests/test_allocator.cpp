// The Allocator contract (page-aligned, page-multiple, zeroed, accounted) and the arena planner's
// sharing rule; and that every large Session buffer really comes from the Allocator.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <random>

#include "hearth/hearth.hpp"
#include "memory/aligned_buffer.hpp"
#include "memory/kv_cache.hpp"
#include "plan/session_plan.hpp"
#include "model/model_impl.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {

bool page_aligned(const void* p, size_t page) { return reinterpret_cast<uintptr_t>(p) % page == 0; }

TEST(Allocator, PagesAlignedSizedZeroedAndCounted) {
    Allocator& a = host_allocator();
    const size_t page = a.page_size();
    ASSERT_GE(page, 4096u);
    ASSERT_EQ(page & (page - 1), 0u) << "page size must be a power of two";
    const size_t before = a.live_bytes();
    for (size_t request : {size_t{0}, size_t{1}, page - 1, page, page + 1, 3 * page + 17, size_t{5} << 20}) {
        PageBuffer b(request, "test buffer");
        EXPECT_TRUE(page_aligned(b.data(), page)) << request;
        EXPECT_EQ(b.size() % page, 0u) << request;
        EXPECT_GE(b.size(), std::max<size_t>(request, 1));
        EXPECT_LT(b.size(), std::max<size_t>(request, 1) + page);
        EXPECT_EQ(a.live_bytes(), before + b.size());
        for (size_t i = 0; i < b.size(); i += 997) ASSERT_EQ(b.data()[i], std::byte{0});
        b.data()[b.size() - 1] = std::byte{1};  // the whole rounded size is usable
    }
    EXPECT_EQ(a.live_bytes(), before);
}

TEST(Allocator, RefusesAbsurdSizesWithTheBufferName) {
    try {
        PageBuffer b(size_t{1} << 60, "giant test arena");
        FAIL() << "allocated 2^60 bytes";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::out_of_memory);
        EXPECT_NE(std::string(e.what()).find("giant test arena"), std::string::npos) << e.what();
    }
}

TEST(Allocator, RefusesLargeBlocksBeyondMemAvailableInsteadOfBeingKilled) {
    ::setenv("HEARTH_MEM_AVAILABLE", "100000000", 1);  // pretend 100 MB are free
    try {
        PageBuffer b(size_t{200} << 20, "big KV cache");
        ADD_FAILURE() << "committed 200 MiB with 100 MB available";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::out_of_memory);
        EXPECT_NE(std::string(e.what()).find("big KV cache: needs 200.0 MiB but only 95.4 MiB is available"), std::string::npos)
            << e.what();
    }
    ::unsetenv("HEARTH_MEM_AVAILABLE");
}

TEST(Allocator, PageBufferMovesOwnership) {
    const size_t before = host_allocator().live_bytes();
    PageBuffer a(100, "a");
    std::byte* p = a.data();
    PageBuffer b(std::move(a));
    EXPECT_EQ(b.data(), p);
    EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from state is specified
    PageBuffer c(200, "c");
    c = std::move(b);
    EXPECT_EQ(c.data(), p);
    EXPECT_EQ(host_allocator().live_bytes(), before + c.size());
}

TEST(Allocator, RoundToPages) {
    EXPECT_EQ(round_to_pages(0, 4096), 4096u);
    EXPECT_EQ(round_to_pages(1, 4096), 4096u);
    EXPECT_EQ(round_to_pages(4096, 4096), 4096u);
    EXPECT_EQ(round_to_pages(4097, 16384), 16384u);
}

TEST(ArenaPlan, BuffersShareOnlyWhenTheirLifetimesAreDisjoint) {
    std::mt19937 rng(7);
    for (int round = 0; round < 50; ++round) {
        ArenaPlan plan;
        struct B {
            size_t id, bytes;
            uint32_t first, last;
        };
        std::vector<B> bs;
        const int n = 1 + static_cast<int>(rng() % 12);
        for (int i = 0; i < n; ++i) {
            const size_t bytes = 1 + rng() % 5000;
            const uint32_t first = rng() % 10, last = first + rng() % 4;
            bs.push_back({plan.add_bytes(bytes, first, last), bytes, first, last});
        }
        plan.finish();
        size_t end = 0;
        for (const B& x : bs) {
            EXPECT_EQ(plan.offset(x.id) % ArenaPlan::kAlign, 0u);
            end = std::max(end, plan.offset(x.id) + x.bytes);
            for (const B& y : bs) {
                if (x.id == y.id || x.last < y.first || y.last < x.first) continue;
                const bool apart = plan.offset(x.id) + x.bytes <= plan.offset(y.id) || plan.offset(y.id) + y.bytes <= plan.offset(x.id);
                EXPECT_TRUE(apart) << "buffers " << x.id << " and " << y.id << " are alive together but overlap";
            }
        }
        EXPECT_LE(end, plan.total());
        EXPECT_LE(plan.total(), plan.unshared_total());
    }
}

TEST(ArenaPlan, DisjointLifetimesReuseTheSameBytes) {
    ArenaPlan plan;
    const size_t a = plan.add_bytes(1000, 0, 1), b = plan.add_bytes(1000, 2, 3), c = plan.add_bytes(64, 0, 3);
    plan.finish();
    EXPECT_EQ(plan.offset(a), plan.offset(b));
    EXPECT_NE(plan.offset(a), plan.offset(c));
    EXPECT_EQ(plan.total(), 1024u + 64u);
}

TEST(Allocator, EverySessionBufferComesFromTheAllocatorPageAligned) {
    const auto path = test::model_path("tiny-llama3-q4_0.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    for (KvType type : {KvType::f16, KvType::q8_0}) {
        const size_t page = host_allocator().page_size();
        const size_t before = host_allocator().live_bytes();
        Session session(model, {.n_ctx = 300, .n_batch = 37, .kv_type = type});
        const MemoryReport r = memory_report(session);
        EXPECT_EQ(host_allocator().live_bytes() - before, r.kv_cache_bytes + r.activation_bytes);
        EXPECT_EQ(r.kv_cache_bytes % page, 0u);
        EXPECT_EQ(r.activation_bytes % page, 0u);
        EXPECT_EQ(r.kv_type, type);
        const ModelConfig& c = model.config();
        const size_t row = type == KvType::f16 ? c.kv_dim() * 2 : c.kv_dim() / 32 * 34;
        EXPECT_EQ(r.kv_cache_bytes, round_to_pages(c.n_layer * 2 * 300 * row, page));
    }
}

TEST(Allocator, KvCacheBuffersArePageAligned) {
    const KvCache cache(3, 100, 64, KvType::q8_0);
    const size_t page = host_allocator().page_size();
    EXPECT_TRUE(page_aligned(cache.data(), page));
    EXPECT_EQ(cache.bytes() % page, 0u);
    EXPECT_EQ(cache.row_stride(), 2u * 34u);
    EXPECT_EQ(cache.values(0) - cache.keys(0), static_cast<ptrdiff_t>(100 * 68));
    EXPECT_THROW(KvCache(1, 10, 48, KvType::q8_0), Error);  // not whole 32-value blocks
}

}  // namespace
}  // namespace hearth
