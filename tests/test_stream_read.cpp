// The bandwidth probe's wide stream loops (kernels/stream_read.hpp) sum exactly the words they
// are given: every level this CPU runs, against a plain loop, over lengths that end inside and at
// the end of a 256-byte step, across page boundaries (where they prefetch ahead), from addresses
// that are not 32- or 64-byte aligned, with sums that wrap.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernels/stream_read.hpp"

namespace hearth::kernels {
namespace {

uint64_t plain_sum(const std::byte* p, size_t bytes) {
    uint64_t s = 0;
    for (size_t i = 0; i < bytes; i += sizeof(uint64_t)) {
        uint64_t w;
        std::memcpy(&w, p + i, sizeof w);
        s += w;
    }
    return s;
}

TEST(StreamRead, SumsEveryWordAtEveryLevel) {
    std::mt19937_64 rng(7);
    std::vector<uint64_t> words(3 * 4096 / 8 + 64);
    for (uint64_t& w : words) w = rng();
    const auto* base = reinterpret_cast<const std::byte*>(words.data());
    int levels = 0;
    for (Isa isa : kAllIsas) {
        const StreamSumFn sum = stream_sum_for(isa);
        if (!sum || !isa_supported(isa)) continue;
        ++levels;
        for (size_t offset : {size_t{0}, size_t{8}, size_t{40}})
            for (size_t bytes : {size_t{64}, size_t{192}, size_t{256}, size_t{320}, size_t{4096}, size_t{4096 + 448}, size_t{3 * 4096}})
                EXPECT_EQ(sum(base + offset, bytes), plain_sum(base + offset, bytes))
                    << isa_name(isa) << ", " << bytes << " bytes from offset " << offset;
    }
    if (levels == 0) GTEST_SKIP() << "this CPU has no wide stream loop (the probe uses its 64-bit loop alone)";
}

TEST(StreamRead, TheProbeTakesTheWidestLoopTheCpuRuns) {
    const StreamSumFn wide = wide_stream_sum();
    if (isa_supported(Isa::avx512) && stream_sum_for(Isa::avx512)) EXPECT_EQ(wide, stream_sum_for(Isa::avx512));
    else if (isa_supported(Isa::avx2) && stream_sum_for(Isa::avx2)) EXPECT_EQ(wide, stream_sum_for(Isa::avx2));
    else EXPECT_EQ(wide, nullptr);
}

}  // namespace
}  // namespace hearth::kernels
