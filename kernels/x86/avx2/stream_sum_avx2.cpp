// The 32-byte-load stream loop (stream_read.hpp) for CPUs with AVX2.
#include "kernels/x86/stream_sum-inl.hpp"

namespace hearth::kernels {

uint64_t stream_sum_avx2(const std::byte* p, size_t bytes) noexcept {
    return x86::stream_sum_body<__m256i>(
        p, bytes, [](const std::byte* q) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q)); },
        [](__m256i a, __m256i b) { return _mm256_add_epi64(a, b); },
        [](__m256i v) {
            const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
            return uint64_t(_mm_cvtsi128_si64(s)) + uint64_t(_mm_extract_epi64(s, 1));
        });
}

}  // namespace hearth::kernels
