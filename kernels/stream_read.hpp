// Reading memory as fast as one core can, for the bandwidth probe (src/runtime/bandwidth.cpp):
// the bound that decode is measured against must not flatter it, so the probe takes the best of
// its portable 64-bit loop and this one, the widest loads the CPU has with the decode kernels'
// page-ahead prefetch (decode_layout.hpp), which on Zen 5 read 34-41 GB/s per core where the
// 64-bit loop read 28-34 (bench/README.md, "Page-ahead prefetch").
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.hpp"

namespace hearth::kernels {

// The wrapping sum of the 64-bit words of [p, p + bytes); bytes a multiple of 64.
using StreamSumFn = uint64_t (*)(const std::byte* p, size_t bytes) noexcept;

// Level isa's loop (AVX2: 32-byte loads, AVX-512: 64-byte), or nullptr where it has none or this
// build lacks it. Callers check isa_supported first.
StreamSumFn stream_sum_for(Isa isa) noexcept;

// The widest such loop this CPU (and OS) runs, whatever level HEARTH_ISA picks for the kernels
// (the probe measures the memory, not a level); nullptr where there is none besides the 64-bit
// loop (other CPU families, x86 without AVX2).
StreamSumFn wide_stream_sum() noexcept;

}  // namespace hearth::kernels
