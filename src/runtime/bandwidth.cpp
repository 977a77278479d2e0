// Read-bandwidth probe (see bandwidth.hpp): each thread sums 64-bit words of its share of a large
// page-aligned buffer with several independent accumulators, so the loop is load-bound. Two loops
// take turns and the best pass counts: this file's portable one, and the widest loads the CPU has
// with the decode kernels' page-ahead prefetch (kernels/stream_read.hpp), which reads more on
// some CPUs (a bound that the decode kernels could beat would flatter them).
#include "runtime/bandwidth.hpp"

#include "hearth/bandwidth.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "hearth/error.hpp"
#include "kernels/stream_read.hpp"

#include "runtime/thread_pool.hpp"

namespace hearth {
namespace {

// The portable loop: 64-bit loads into eight independent sums (bytes a multiple of 64).
uint64_t sum_words(const std::byte* p, size_t bytes) noexcept {
    const auto* w = reinterpret_cast<const uint64_t*>(p);
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    for (size_t i = 0; i < bytes / sizeof(uint64_t); i += 8) {
        a0 += w[i]; a1 += w[i + 1]; a2 += w[i + 2]; a3 += w[i + 3];
        a4 += w[i + 4]; a5 += w[i + 5]; a6 += w[i + 6]; a7 += w[i + 7];
    }
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}

}  // namespace

double measure_read_bandwidth(ThreadPool& pool, size_t bytes, int repeats) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw Error(ErrorCode::out_of_memory, fmt::format("bandwidth probe: cannot map {} bytes", bytes));

    auto* words = static_cast<uint64_t*>(p);
    const size_t n_words = bytes / sizeof(uint64_t);
#ifdef MADV_HUGEPAGE
    // Huge pages measure what the memory system can deliver; with 4 KiB pages TLB misses cap a
    // core far lower (9 vs 14 GB/s per core in the VM here) and the bound would flatter decode.
    ::madvise(p, bytes, MADV_HUGEPAGE);
#endif
    std::memset(p, 1, bytes);  // touch every page so the timed passes do not measure page faults

    // 64 chunks: enough to balance threads; each chunk is a contiguous stretch (prefetch friendly).
    constexpr size_t kChunks = 64;
    const size_t per_chunk = n_words / kChunks / 8 * 8;
    std::vector<uint64_t> sums(kChunks);
    std::vector<kernels::StreamSumFn> loops = {sum_words};
    if (const kernels::StreamSumFn wide = kernels::wide_stream_sum()) loops.push_back(wide);
    double best = 0;
    for (int r = 0; r < repeats; ++r)
        for (const kernels::StreamSumFn loop : loops) {
            auto t0 = std::chrono::steady_clock::now();
            pool.parallel_for(kChunks, [&](size_t c) {
                sums[c] += loop(reinterpret_cast<const std::byte*>(words + c * per_chunk), per_chunk * sizeof(uint64_t));
            });
            double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            best = std::max(best, double(per_chunk * kChunks * sizeof(uint64_t)) / secs);
        }
    // Use the sums so the compiler cannot drop the loads.
    volatile uint64_t sink = 0;
    for (uint64_t s : sums) sink = sink + s;
    ::munmap(p, bytes);
    return best;
}

double measure_read_bandwidth(size_t threads, size_t bytes, int repeats) {
    ThreadPool pool(threads);
    return measure_read_bandwidth(pool, bytes, repeats);
}

}  // namespace hearth
