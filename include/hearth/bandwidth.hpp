// The machine's memory read bandwidth, the ceiling for decode speed: generating one token streams
// every weight byte read per token once, so tokens/s <= bandwidth / bytes read per token.
#pragma once

#include <cstddef>

namespace hearth {

// Bytes per second for reading a buffer of `bytes` (much larger than the caches, in huge pages
// where the OS gives them) with `threads` threads; the best of `repeats` passes.
double measure_read_bandwidth(size_t threads, size_t bytes = size_t{1} << 30, int repeats = 3);

}  // namespace hearth
