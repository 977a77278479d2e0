// A persistent pool of worker threads, created with the Model and shared by its Sessions.
// Work is handed out as numbered chunks; callers choose chunk boundaries that do not depend on
// the thread count, which keeps every result bitwise identical at any -t.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <type_traits>

namespace hearth {

class ThreadPool {
public:
    // n_threads counts the calling thread: ThreadPool(1) runs everything inline. 0 = hardware threads.
    explicit ThreadPool(size_t n_threads);
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;
    ~ThreadPool();

    size_t size() const noexcept;

    // Calls fn(chunk) once for every chunk in [0, n_chunks), spread over the workers and the
    // caller, and returns when all are done. fn must not throw. No allocation per call.
    // Thread-safe: calls from several threads (Sessions sharing the pool) run one at a time,
    // inline ones (one chunk, or a pool of one thread) included.
    // Must not be called from inside fn (a nested call would wait for itself).
    template <typename Fn>
    void parallel_for(size_t n_chunks, Fn&& fn) {
        using F = std::remove_reference_t<Fn>;  // Fn is a reference type when fn is an lvalue
        run(n_chunks, [](void* ctx, size_t chunk, size_t) { (*static_cast<F*>(ctx))(chunk); },
            const_cast<void*>(static_cast<const void*>(&fn)));
    }

    // As parallel_for, calling fn(chunk, worker) where worker < size() names the thread running
    // the chunk (0 = the caller), so that fn may use worker_scratch(worker) without sharing it.
    template <typename Fn>
    void parallel_for_workers(size_t n_chunks, Fn&& fn) {
        using F = std::remove_reference_t<Fn>;
        run(n_chunks, [](void* ctx, size_t chunk, size_t worker) { (*static_cast<F*>(ctx))(chunk, worker); },
            const_cast<void*>(static_cast<const void*>(&fn)));
    }

    // Private scratch memory per thread (page-aligned), for kernels that repack a slice of a
    // matrix where only the thread using it reads it (L2-resident panels). Grows to at least
    // `bytes` per thread; call while no parallel_for runs (the Model does, at load).
    void reserve_worker_scratch(size_t bytes);
    std::span<std::byte> worker_scratch(size_t worker) const noexcept;
    size_t worker_scratch_bytes() const noexcept;  // total, for the memory report

private:
    using Task = void (*)(void* ctx, size_t chunk, size_t worker);
    void run(size_t n_chunks, Task task, void* ctx);
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hearth
