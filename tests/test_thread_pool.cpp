// ThreadPool: every chunk runs exactly once, across many back-to-back calls (the generation
// hand-off), with 1, 2 and 7 threads, lvalue and rvalue callables, and concurrent callers; a
// thread held up in one chunk loses the rest of its share to the others.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "runtime/thread_pool.hpp"

namespace hearth {
namespace {

TEST(ThreadPool, EveryChunkExactlyOnce) {
    for (size_t n_threads : {1u, 2u, 7u}) {
        ThreadPool pool(n_threads);
        EXPECT_EQ(pool.size(), n_threads);
        for (size_t n_chunks : {0u, 1u, 2u, 3u, 64u, 1000u}) {
            std::vector<std::atomic<int>> hits(n_chunks);
            pool.parallel_for(n_chunks, [&](size_t c) { hits[c].fetch_add(1); });
            for (size_t c = 0; c < n_chunks; ++c) ASSERT_EQ(hits[c].load(), 1) << n_threads << " " << c;
        }
    }
}

TEST(ThreadPool, ManyBackToBackCalls) {
    ThreadPool pool(3);
    std::atomic<long> total{0};
    auto body = [&](size_t c) { total.fetch_add(long(c) + 1); };  // an lvalue callable
    for (int call = 0; call < 3000; ++call) pool.parallel_for(size_t(call % 9), body);
    long want = 0;
    for (int call = 0; call < 3000; ++call) want += long(call % 9) * (call % 9 + 1) / 2;
    EXPECT_EQ(total.load(), want);
}

TEST(ThreadPool, UsesWorkersAndCaller) {
    ThreadPool pool(2);
    std::atomic<int> on_caller{0};
    const auto caller = std::this_thread::get_id();
    std::atomic<int> done{0};
    // Slow chunks give the worker time to take some.
    pool.parallel_for(64, [&](size_t) {
        if (std::this_thread::get_id() == caller) on_caller.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        done.fetch_add(1);
    });
    EXPECT_EQ(done.load(), 64);
    EXPECT_GT(on_caller.load(), 0);
}

// Each thread runs a contiguous share first; when the thread holding chunk 0 cannot go on until
// every other chunk has run, the others must take the rest of its share (else this waits out
// its time limit and fails).
TEST(ThreadPool, AHeldUpThreadsShareIsTaken) {
    for (size_t n_threads : {2u, 7u}) {
        ThreadPool pool(n_threads);
        constexpr size_t kChunks = 64;
        std::atomic<size_t> others_done{0};
        bool waited_out = false;
        pool.parallel_for(kChunks, [&](size_t c) {
            if (c != 0) {
                others_done.fetch_add(1);
                return;
            }
            const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (others_done.load() < kChunks - 1)
                if (std::chrono::steady_clock::now() > limit) {
                    waited_out = true;
                    return;
                } else {
                    std::this_thread::sleep_for(std::chrono::microseconds(100));
                }
        });
        EXPECT_FALSE(waited_out) << n_threads << " threads";
        EXPECT_EQ(others_done.load(), kChunks - 1);
    }
}

TEST(ThreadPool, ConcurrentCallersAreSerialized) {
    ThreadPool pool(3);
    std::atomic<long> total{0};
    auto caller = [&] {
        for (int i = 0; i < 300; ++i) pool.parallel_for(10, [&](size_t c) { total.fetch_add(long(c)); });
    };
    std::thread a(caller), b(caller);
    a.join();
    b.join();
    EXPECT_EQ(total.load(), 2L * 300 * 45);
}

TEST(ThreadPool, ZeroMeansHardwareThreads) {
    ThreadPool pool(0);
    EXPECT_GE(pool.size(), 1u);
}

}  // namespace
}  // namespace hearth
