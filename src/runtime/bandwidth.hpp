// Measures the machine's memory read bandwidth, the ceiling for decode speed: generating one
// token streams every weight byte once, so tokens/s <= bandwidth / weight bytes per token.
#pragma once

#include <cstddef>

namespace hearth {

class ThreadPool;

// Bytes per second for reading a buffer of `bytes` (much larger than the caches) with the
// pool's threads; the best of `repeats` passes.
double measure_read_bandwidth(ThreadPool& pool, size_t bytes = size_t{1} << 30, int repeats = 3);

}  // namespace hearth
