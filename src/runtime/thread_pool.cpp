// Persistent worker threads. A parallel_for publishes (task, n_chunks) and bumps a generation
// counter; workers (and the caller) claim chunk numbers from one atomic counter until none are
// left. Workers spin briefly before sleeping on the counter (futex via std::atomic::wait), because
// a decode step issues hundreds of short parallel_for calls and a sleep/wake costs ~10-50 us.
// Which thread runs which chunk varies; results stay deterministic when each chunk's output
// depends only on the chunk number (the callers' job: fixed chunk boundaries).
#include "runtime/thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace hearth {
namespace {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

// ~1024 pause instructions is a few tens of microseconds: long enough to catch the next matmul
// of a decode step, short enough not to burn a shared core for long.
constexpr int kSpinIterations = 1024;

template <typename T, typename Pred>
void spin_then_wait(const std::atomic<T>& a, T seen, Pred done) noexcept {
    for (int i = 0; i < kSpinIterations; ++i) {
        if (done()) return;
        cpu_relax();
    }
    while (!done()) {
        a.wait(seen, std::memory_order_acquire);
        seen = a.load(std::memory_order_acquire);
    }
}

}  // namespace

struct ThreadPool::Impl {
    std::vector<std::thread> workers;
    std::mutex run_mutex;  // one parallel_for at a time: Sessions sharing the pool take turns

    // Published before `generation` is bumped (release), read after it is seen (acquire).
    Task task = nullptr;
    void* ctx = nullptr;
    size_t n_chunks = 0;

    std::atomic<uint32_t> generation{0};
    std::atomic<size_t> next_chunk{0};
    std::atomic<uint32_t> busy_workers{0};
    std::atomic<bool> stop{false};

    void work() noexcept {
        for (;;) {
            const size_t c = next_chunk.fetch_add(1, std::memory_order_relaxed);
            if (c >= n_chunks) return;
            task(ctx, c);
        }
    }

    void worker_loop() noexcept {
        uint32_t seen = 0;
        for (;;) {
            spin_then_wait(generation, seen,
                           [&] { return generation.load(std::memory_order_acquire) != seen; });
            seen = generation.load(std::memory_order_acquire);
            if (stop.load(std::memory_order_acquire)) return;
            work();
            if (busy_workers.fetch_sub(1, std::memory_order_acq_rel) == 1) busy_workers.notify_one();
        }
    }
};

ThreadPool::ThreadPool(size_t n_threads) : impl_(std::make_unique<Impl>()) {
    if (n_threads == 0) n_threads = std::max(1u, std::thread::hardware_concurrency());
    impl_->workers.reserve(n_threads - 1);
    for (size_t i = 1; i < n_threads; ++i) impl_->workers.emplace_back([this] { impl_->worker_loop(); });
}

ThreadPool::~ThreadPool() {
    impl_->stop.store(true, std::memory_order_release);
    impl_->generation.fetch_add(1, std::memory_order_release);
    impl_->generation.notify_all();
    for (std::thread& t : impl_->workers) t.join();
}

size_t ThreadPool::size() const noexcept { return impl_->workers.size() + 1; }

void ThreadPool::run(size_t n_chunks, Task task, void* ctx) {
    if (n_chunks == 0) return;
    Impl& p = *impl_;
    if (p.workers.empty() || n_chunks == 1) {
        for (size_t c = 0; c < n_chunks; ++c) task(ctx, c);
        return;
    }
    std::lock_guard lock(p.run_mutex);
    p.task = task;
    p.ctx = ctx;
    p.n_chunks = n_chunks;
    p.next_chunk.store(0, std::memory_order_relaxed);
    p.busy_workers.store(uint32_t(p.workers.size()), std::memory_order_relaxed);
    p.generation.fetch_add(1, std::memory_order_release);
    p.generation.notify_all();
    p.work();
    // Every worker must have left work() before task/ctx may change for the next call.
    spin_then_wait(p.busy_workers, p.busy_workers.load(std::memory_order_acquire),
                   [&] { return p.busy_workers.load(std::memory_order_acquire) == 0; });
}

}  // namespace hearth
