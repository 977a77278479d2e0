// Persistent worker threads. A parallel_for publishes the task, gives each thread a contiguous
// share of the chunk numbers and bumps a generation counter; each thread (the caller is thread 0)
// runs its own share front to back, then takes chunks from the back of the others' shares until
// none are left, and the caller returns once every chunk has finished. Contiguous shares keep
// each core on one stream of addresses: a single-token matmul's 16 chunks per matrix handed out
// alternately made the two cores of a 2-core Zen 5 jump every chunk, and cost 8-10 % of 2-thread
// decode (1B Q4_0, tg64: 58-62 -> 63.5-66 t/s with one chunk per thread). Stealing keeps what
// small chunks were for: a thread that starts late, or runs slower, loses chunks to the others.
// Workers spin briefly before sleeping on the counter (futex via std::atomic::wait), because a
// decode step issues hundreds of short parallel_for calls and a sleep/wake costs ~10-50 us.
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

    // Written by the caller before the shares are published (release); read by a thread only
    // after it has claimed a chunk (acquire), while the call cannot end: the chunk is not done yet.
    Task task = nullptr;
    void* ctx = nullptr;

    // Thread w's unclaimed chunks [begin, end), as one word (end << 32 | begin). The owner takes
    // begin (CAS to begin + 1), others take end - 1 (CAS to end - 1). A call is published only
    // after the previous one's chunks have all finished, so every share is then empty: a thread
    // that wakes late, after the call it was woken for has ended, can only ever claim a chunk of
    // the call now published, whose task it reads after the claim. The caller therefore waits for
    // chunks to finish, never for every worker to check in: a worker the OS has descheduled costs
    // nothing unless it holds a chunk, and its share is taken by the others.
    struct alignas(64) Share {
        std::atomic<uint64_t> range{0};
    };
    std::unique_ptr<Share[]> shares;
    size_t n_shares = 0;
    std::atomic<uint32_t> n_chunks{0};    // chunks in the current call
    std::atomic<uint32_t> done{0};        // chunks finished in the current call
    std::atomic<uint32_t> generation{0};  // bumped per call: what sleeping workers wait on
    std::atomic<bool> stop{false};

    std::vector<AlignedBuffer> scratch;  // one per thread, index 0 = the caller

    static uint32_t begin_of(uint64_t v) noexcept { return uint32_t(v); }
    static uint32_t end_of(uint64_t v) noexcept { return uint32_t(v >> 32); }

    // Claims one chunk of share s, from the front when the thread owns it, else from the back;
    // false when the share is empty.
    bool claim(size_t s, bool own, uint32_t& chunk) noexcept {
        std::atomic<uint64_t>& r = shares[s].range;
        uint64_t v = r.load(std::memory_order_acquire);
        for (;;) {
            const uint32_t b = begin_of(v), e = end_of(v);
            if (b >= e) return false;
            const uint64_t next = own ? v + 1 : (uint64_t(e - 1) << 32 | b);
            if (r.compare_exchange_weak(v, next, std::memory_order_acq_rel, std::memory_order_acquire)) {
                chunk = own ? b : e - 1;
                return true;
            }
        }
    }

    // Runs a claimed chunk. Its call cannot end (nor the next be published) before the chunk is
    // done, so n_chunks, read after the claim, is that call's.
    void run_chunk(uint32_t chunk, size_t worker) noexcept {
        task(ctx, chunk, worker);
        const uint32_t n = n_chunks.load(std::memory_order_relaxed);
        if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == n) done.notify_one();
    }

    void work(size_t worker) noexcept {
        uint32_t chunk = 0;
        while (claim(worker, true, chunk)) run_chunk(chunk, worker);
        for (size_t i = 1; i < n_shares; ++i)
            while (claim((worker + i) % n_shares, false, chunk)) run_chunk(chunk, worker);
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
    void run_batch(uint32_t n, Task t, void* c) noexcept {
        task = t;
        ctx = c;
        done.store(0, std::memory_order_relaxed);
        n_chunks.store(n, std::memory_order_relaxed);
        for (size_t w = 0; w < n_shares; ++w) {
            const auto b = uint32_t(uint64_t(n) * w / n_shares), e = uint32_t(uint64_t(n) * (w + 1) / n_shares);
            shares[w].range.store(uint64_t(e) << 32 | b, std::memory_order_release);
        }
        generation.fetch_add(1, std::memory_order_release);
        generation.notify_all();
        work(0);
        spin_then_wait(done, done.load(std::memory_order_acquire),
                       [&] { return done.load(std::memory_order_acquire) == n; });
    }
};

ThreadPool::ThreadPool(size_t n_threads) : impl_(std::make_unique<Impl>()) {
    if (n_threads == 0) n_threads = std::max(1u, std::thread::hardware_concurrency());
    impl_->workers.reserve(n_threads - 1);
    impl_->shares = std::make_unique<Impl::Share[]>(n_threads);
    impl_->n_shares = n_threads;
    impl_->scratch.resize(n_threads);
    for (size_t i = 1; i < n_threads; ++i) impl_->workers.emplace_back([this, i] { impl_->worker_loop(i); });
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
