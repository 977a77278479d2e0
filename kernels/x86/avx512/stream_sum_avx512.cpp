// The 64-byte-load stream loop (stream_read.hpp) for CPUs with AVX-512.
#include "kernels/x86/stream_sum-inl.hpp"

namespace hearth::kernels {

uint64_t stream_sum_avx512(const std::byte* p, size_t bytes) noexcept {
    return x86::stream_sum_body<__m512i>(
        p, bytes, [](const std::byte* q) { return _mm512_loadu_si512(q); },
        [](__m512i a, __m512i b) { return _mm512_add_epi64(a, b); },
        [](__m512i v) {  // through memory: GCC 12 warns on _mm512_reduce_add_epi64's undefined lanes
            alignas(64) uint64_t lanes[8];
            _mm512_store_si512(lanes, v);
            uint64_t s = 0;
            for (uint64_t l : lanes) s += l;
            return s;
        });
}

}  // namespace hearth::kernels
