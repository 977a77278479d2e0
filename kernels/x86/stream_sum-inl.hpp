// The body of the wide stream loops (stream_read.hpp) for a vector type V of 32 or 64 bytes:
// four accumulators over 256 bytes a step, then the remaining 64-byte lines, with
// prefetch_page_ahead's hint at each 256-byte step. Each level's file instantiates it.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/decode_layout.hpp"

namespace hearth::kernels::x86 {
namespace {

// Load(p) reads one V, Add(a, b) adds 64-bit lanes, Sum(v) folds V's lanes (all wrapping).
template <typename V, typename Load, typename Add, typename Sum>
uint64_t stream_sum_body(const std::byte* p, size_t bytes, Load load, Add add, Sum sum) noexcept {
    constexpr size_t kStep = 256, kPer = sizeof(V);
    V acc[4] = {};
    size_t i = 0;
    for (; i + kStep <= bytes; i += kStep) {
        prefetch_page_ahead(p + i, kStep);
        for (size_t k = 0; k < kStep / kPer; ++k) acc[k % 4] = add(acc[k % 4], load(p + i + k * kPer));
    }
    for (; i < bytes; i += kPer) acc[0] = add(acc[0], load(p + i));
    return sum(add(add(acc[0], acc[1]), add(acc[2], acc[3])));
}

}  // namespace
}  // namespace hearth::kernels::x86
