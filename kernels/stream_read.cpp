// Picks the widest stream loop (stream_read.hpp) the CPU runs.
#include "kernels/stream_read.hpp"

#include <initializer_list>

namespace hearth::kernels {

#if defined(HEARTH_HAVE_X86_KERNELS)
uint64_t stream_sum_avx2(const std::byte* p, size_t bytes) noexcept;
uint64_t stream_sum_avx512(const std::byte* p, size_t bytes) noexcept;
#endif

StreamSumFn stream_sum_for(Isa isa) noexcept {
#if defined(HEARTH_HAVE_X86_KERNELS)
    if (isa == Isa::avx512) return stream_sum_avx512;
    if (isa == Isa::avx2) return stream_sum_avx2;
#endif
    (void)isa;
    return nullptr;
}

StreamSumFn wide_stream_sum() noexcept {
    for (Isa isa : {Isa::avx512, Isa::avx2})
        if (isa_supported(isa)) return stream_sum_for(isa);
    return nullptr;
}

}  // namespace hearth::kernels
