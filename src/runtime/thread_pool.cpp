// Persistent worker threads. A parallel_for publishes (task, n_chunks) and bumps a generation
// counter; workers (and the caller) claim chunk numbers from one atomic word until none are
// left, and the caller returns once every chunk has finished. Workers spin briefly before
// sleeping on the counter (futex via std::atomic::wait), because a decode step issues hundreds
// of short parallel_for calls and a sleep/wake costs ~10-50 us.
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

#include "memory/aligned_buffer.hpp"

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

    // Written by the caller before `claim` is published (release); read by a thread only after it
    // has claimed a chunk (acquire), while the call cannot end: the chunk is not done yet.
    Task task = nullptr;
    void* ctx = nullptr;

    // One word holds (chunk count << 32 | next chunk). A thread owns chunk i when its CAS moves the
    // word from (n, i) to (n, i + 1) with i < n, so a thread that wakes late, after the call it
    // was woken for has ended, can only ever claim a chunk of the call now published. The caller
    // therefore waits for chunks to finish, never for every worker to check in: a worker the OS
    // has descheduled costs nothing unless it holds a chunk.
    std::atomic<uint64_t> claim{0};
    std::atomic<uint32_t> done{0};        // chunks finished in the current call
    std::atomic<uint32_t> generation{0};  // bumped per call: what sleeping workers wait on
    std::atomic<bool> stop{false};

    std::vector<AlignedBuffer> scratch;  // one per thread, index 0 = the caller

    void work(size_t worker) noexcept {
        uint64_t v = claim.load(std::memory_order_acquire);
        for (;;) {
            const uint32_t n = uint32_t(v >> 32), i = uint32_t(v);
            if (i >= n) return;
            if (!claim.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
            task(ctx, i, worker);
            if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == n) done.notify_one();
            v = claim.load(std::memory_order_acquire);
        }
    }

    void worker_loop(size_t worker) noexcept {
        uint32_t seen = 0;
        for (;;) {
            spin_then_wait(generation, seen,
                           [&] { return generation.load(std::memory_order_acquire) != seen; });
            seen = generation.load(std::memory_order_acquire);
            if (stop.load(std::memory_order_acquire)) return;
            work(worker);
        }
    }

    // One call of at most 2^32 - 1 chunks.
    void run_batch(uint32_t n_chunks, Task t, void* c) noexcept {
        task = t;
        ctx = c;
        done.store(0, std::memory_order_relaxed);
        claim.store(uint64_t(n_chunks) << 32, std::memory_order_release);
        generation.fetch_add(1, std::memory_order_release);
        generation.notify_all();
        work(0);
        spin_then_wait(done, done.load(std::memory_order_acquire),
                       [&] { return done.load(std::memory_order_acquire) == n_chunks; });
    }
};

ThreadPool::ThreadPool(size_t n_threads) : impl_(std::make_unique<Impl>()) {
    if (n_threads == 0) n_threads = std::max(1u, std::thread::hardware_concurrency());
    impl_->workers.reserve(n_threads - 1);
    for (size_t i = 1; i < n_threads; ++i) impl_->workers.emplace_back([this, i] { impl_->worker_loop(i); });
    impl_->scratch.resize(n_threads);
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
    // Inline calls take the lock too: they run as worker 0, whose scratch another Session's call
    // (on another thread, sharing this Model's pool) may be using.
    std::lock_guard lock(p.run_mutex);
    if (p.workers.empty() || n_chunks == 1) {
        for (size_t c = 0; c < n_chunks; ++c) task(ctx, c, 0);
        return;
    }
    constexpr size_t kMaxBatch = UINT32_MAX;
    for (size_t first = 0; first < n_chunks; first += kMaxBatch) {
        const auto count = uint32_t(std::min(kMaxBatch, n_chunks - first));
        if (first == 0) {
            p.run_batch(count, task, ctx);
            continue;
        }
        // Past 2^32 chunks (never in practice) the chunk numbers are offset through a shim.
        struct Offset {
            Task task;
            void* ctx;
            size_t first;
        } shim{task, ctx, first};
        p.run_batch(count, [](void* c, size_t i, size_t worker) {
            const auto* o = static_cast<const Offset*>(c);
            o->task(o->ctx, o->first + i, worker);
        }, &shim);
    }
}

void ThreadPool::reserve_worker_scratch(size_t bytes) {
    for (AlignedBuffer& b : impl_->scratch)
        if (b.size() < bytes) b = AlignedBuffer(bytes, "kernel scratch (per thread)");
}

std::span<std::byte> ThreadPool::worker_scratch(size_t worker) const noexcept {
    AlignedBuffer& b = impl_->scratch[worker];
    return {b.data(), b.size()};
}

size_t ThreadPool::worker_scratch_bytes() const noexcept {
    size_t total = 0;
    for (const AlignedBuffer& b : impl_->scratch) total += b.size();
    return total;
}

}  // namespace hearth
