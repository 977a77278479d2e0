// Every SIMD row of kernels/attention_kernels.hpp against the scalar reference, bit for bit:
// odd head dims (tail paths), short and long caches, scores whose maximum moves late or early,
// huge score ranges (exp underflow into subnormals), zeros; plus the exp and f16 rounding steps.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/attention_kernels.hpp"
#include "kernels/ref/f16.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace hearth::kernels {
namespace {

// The SIMD rows this CPU can run (each is compared with the ref row).
std::vector<Isa> simd_isas() {
    std::vector<Isa> out;
    for (Isa isa : {Isa::avx2, Isa::avx512, Isa::neon})
        if (isa_supported(isa) && attention_kernels(isa) != nullptr) out.push_back(isa);
    return out;
}

const AttentionKernels& ref_row() { return *attention_kernels(Isa::ref); }

bool same_bits(float a, float b) { return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b); }

// How the keys are laid out along the positions: shapes the running maximum of the softmax.
enum class Pattern { random, rising, falling, zeros, wide };

// A KV head of n_kv positions inside rows of 3 heads (so strides differ from head_dim), and
// a few query rows.
struct Case {
    size_t d, n_kv, n_rows;
    std::vector<uint16_t> k, v;
    std::vector<float> q;
    size_t stride() const { return 3 * d + 5; }
    KvHeadView view() const { return {k.data() + d, stride(), v.data() + 2 * d, stride()}; }
};

Case make_case(size_t d, size_t n_kv, size_t n_rows, Pattern pattern, uint32_t seed) {
    Case c{d, n_kv, n_rows, {}, {}, {}};
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    c.k.resize(n_kv * c.stride() + 3 * d);
    c.v.resize(c.k.size());
    c.q.resize(n_rows * d);
    for (float& x : c.q) x = pattern == Pattern::zeros ? 0.0f : normal(rng);
    // Keys along q's direction scaled by a ramp give scores that rise (a new maximum at every
    // position: the rescale path) or fall (one early maximum); "wide" spreads scores over
    // hundreds of units so exp underflows into subnormals and to zero.
    for (size_t p = 0; p < n_kv; ++p) {
        const float t = static_cast<float>(p) / static_cast<float>(n_kv);
        float ramp = 1.0f;
        if (pattern == Pattern::rising) ramp = 0.2f + 4.0f * t;
        if (pattern == Pattern::falling) ramp = 4.2f - 4.0f * t;
        for (size_t i = 0; i < d; ++i) {
            float k = normal(rng) * 0.3f + ramp * c.q[i];
            if (pattern == Pattern::wide) k = normal(rng) * (p % 7 == 3 ? 60.0f : 8.0f);
            if (pattern == Pattern::zeros) k = 0.0f;
            c.k[p * c.stride() + d + i] = fp32_to_fp16(k);
            c.v[p * c.stride() + 2 * d + i] = fp32_to_fp16(pattern == Pattern::zeros && p % 2 ? 0.0f : normal(rng) * 3.0f);
        }
    }
    return c;
}

constexpr size_t kDims[] = {64, 128, 80, 16, 40, 72, 8, 200, 256};
constexpr size_t kKvLengths[] = {1, 2, 63, 64, 65, 200, 700};
constexpr Pattern kPatterns[] = {Pattern::random, Pattern::rising, Pattern::falling, Pattern::zeros, Pattern::wide};

std::string label(Isa isa, size_t d, size_t n_kv, Pattern p) {
    return std::string(isa_name(isa)) + " d=" + std::to_string(d) + " n_kv=" + std::to_string(n_kv) +
           " pattern=" + std::to_string(static_cast<int>(p));
}

void expect_same(const std::vector<float>& want, const std::vector<float>& got, const std::string& what) {
    ASSERT_EQ(want.size(), got.size());
    for (size_t i = 0; i < want.size(); ++i)
        ASSERT_TRUE(same_bits(want[i], got[i])) << what << " i=" << i << " ref " << want[i] << " simd " << got[i];
}

// attend_head, and attend_heads over 5 heads (a group of 4 and a single one).
TEST(AttentionSimd, OneRowF16MatchesReference) {
    const auto isas = simd_isas();
    if (isas.empty()) GTEST_SKIP() << "no SIMD level on this CPU";
    constexpr size_t kHeads = 5;
    uint32_t seed = 1;
    for (size_t d : kDims)
        for (size_t n_kv : kKvLengths)
            for (Pattern pattern : kPatterns) {
                const Case c = make_case(d, n_kv, kHeads, pattern, seed++);
                const float scale = 1.0f / std::sqrt(static_cast<float>(d));
                std::vector<uint16_t> q16(d), acc16(d);
                const AttentionScratch s{q16.data(), acc16.data()};
                std::vector<float> want(kHeads * d), got(kHeads * d);
                for (size_t h = 0; h < kHeads; ++h)
                    ref_row().attend_head(c.q.data() + h * d, c.view(), n_kv, d, scale, s, want.data() + h * d);
                std::vector<float> want_heads(kHeads * d);
                ref_row().attend_heads(c.q.data(), kHeads, c.view(), n_kv, d, scale, s, want_heads.data());
                expect_same(want, want_heads, "ref attend_heads");
                for (Isa isa : isas) {
                    const AttentionKernels& k = *attention_kernels(isa);
                    std::fill(got.begin(), got.end(), -1.0f);
                    k.attend_head(c.q.data(), c.view(), n_kv, d, scale, s, got.data());
                    expect_same(std::vector<float>(want.begin(), want.begin() + d), std::vector<float>(got.begin(), got.begin() + d),
                                label(isa, d, n_kv, pattern) + " one head");
                    k.attend_heads(c.q.data(), kHeads, c.view(), n_kv, d, scale, s, got.data());
                    expect_same(want, got, label(isa, d, n_kv, pattern) + " heads");
                }
            }
}

TEST(AttentionSimd, TiledRowsMatchReference) {
    const auto isas = simd_isas();
    if (isas.empty()) GTEST_SKIP() << "no SIMD level on this CPU";
    uint32_t seed = 100;
    for (size_t d : kDims)
        for (size_t n_kv : kKvLengths)
            for (Pattern pattern : kPatterns) {
                // Rows are consecutive tokens ending at position n_kv - 1: 37 rows cover two full
                // 16-row blocks and a partial one, with causal limits crossing tile edges.
                const size_t n_rows = std::min<size_t>(n_kv, pattern == Pattern::random ? 37 : 5);
                const Case c = make_case(d, n_kv, n_rows, pattern, seed++);
                const float scale = 1.0f / std::sqrt(static_cast<float>(d));
                std::vector<float> scores(kAttentionTileKv), acc(d), want(n_rows * d), got(n_rows * d);
                const AttentionScratchF32 s{scores.data(), acc.data()};
                const size_t n_kv0 = n_kv - n_rows + 1;
                ref_row().attend_rows_tiled({c.q.data(), want.data(), d, n_rows, n_kv0}, c.view(), d, scale, s);
                for (Isa isa : isas) {
                    std::fill(got.begin(), got.end(), -1.0f);
                    attention_kernels(isa)->attend_rows_tiled({c.q.data(), got.data(), d, n_rows, n_kv0}, c.view(), d, scale, s);
                    expect_same(want, got, label(isa, d, n_kv, pattern));
                }
            }
}

TEST(AttentionSimd, DotF16MatchesReference) {
    const auto isas = simd_isas();
    if (isas.empty()) GTEST_SKIP() << "no SIMD level on this CPU";
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (size_t n : {1, 3, 16, 17, 33, 63, 64, 65, 80, 127, 128, 200, 256, 1023}) {
        std::vector<uint16_t> a(n), b(n);
        for (size_t i = 0; i < n; ++i) {
            a[i] = fp32_to_fp16(normal(rng) * (i % 5 == 0 ? 300.0f : 1.0f));
            b[i] = fp32_to_fp16(normal(rng) * 1e-3f);
        }
        const float want = ref_row().dot_f16(a.data(), b.data(), n);
        for (Isa isa : isas)
            EXPECT_TRUE(same_bits(want, attention_kernels(isa)->dot_f16(a.data(), b.data(), n))) << isa_name(isa) << " n=" << n;
    }
}

TEST(AttentionSimd, F32UpdatesMatchReference) {
    const auto isas = simd_isas();
    if (isas.empty()) GTEST_SKIP() << "no SIMD level on this CPU";
    std::mt19937 rng(9);
    std::normal_distribution<float> normal(0.0f, 10.0f);
    for (size_t n : {1, 15, 32, 40, 64, 80, 129}) {
        std::vector<float> x(n), y(n);
        for (size_t i = 0; i < n; ++i) {
            x[i] = normal(rng);
            y[i] = normal(rng);
        }
        std::vector<float> want = y;
        ref_row().mad_f32(want.data(), x.data(), 0.37f, n);
        ref_row().scale_f32(want.data(), 1.0f / 3.0f, n);
        for (Isa isa : isas) {
            std::vector<float> got = y;
            attention_kernels(isa)->mad_f32(got.data(), x.data(), 0.37f, n);
            attention_kernels(isa)->scale_f32(got.data(), 1.0f / 3.0f, n);
            expect_same(want, got, std::string(isa_name(isa)) + " n=" + std::to_string(n));
        }
    }
}

// The tiled softmax's exp over the whole range it can see (score - max <= 0, down to -inf),
// the subnormal results below -87.3, the cut-offs near -103.9 and 88.7, and specials.
TEST(AttentionSimd, ExpPolyMatchesReference) {
    const auto isas = simd_isas();
    if (isas.empty()) GTEST_SKIP() << "no SIMD level on this CPU";
    std::vector<float> x;
    for (float v = -120.0f; v <= 100.0f; v += 0.0137f) x.push_back(v);
    std::mt19937 rng(3);
    for (int i = 0; i < 200000; ++i) {  // random bit patterns of every magnitude below 2^8
        const uint32_t bits = rng();
        x.push_back(std::bit_cast<float>((bits & 0x807fffffu) | (((bits >> 23) % 135u) << 23)));
    }
    for (float v : {0.0f, -0.0f, -INFINITY, INFINITY, 88.72f, 88.73f, -87.34f, -103.97f, -103.98f, -192.0f * 0.6931f})
        x.push_back(v);
    std::vector<float> want(x.size()), got(x.size());
    ref_row().exp_poly(x.data(), want.data(), x.size());
    for (Isa isa : isas) {
        attention_kernels(isa)->exp_poly(x.data(), got.data(), x.size());
        for (size_t i = 0; i < x.size(); ++i)
            ASSERT_TRUE(same_bits(want[i], got[i])) << isa_name(isa) << " x=" << x[i] << " ref " << want[i] << " simd " << got[i];
    }
}

// Where the CPU has a SIMD level, the row must exist: otherwise every test here would skip
// (or compare ref with itself) and pass without looking at any SIMD code.
TEST(AttentionSimd, EverySupportedLevelHasARow) {
#if defined(__x86_64__)
    const Isa levels[] = {Isa::avx2, Isa::avx512};
#elif defined(__aarch64__)
    const Isa levels[] = {Isa::neon};
#else
    GTEST_SKIP() << "no SIMD attention row for this architecture";
    const Isa levels[] = {Isa::ref};
#endif
    for (Isa isa : levels) {
        if (!isa_supported(isa)) continue;
        ASSERT_NE(attention_kernels(isa), nullptr) << isa_name(isa);
        EXPECT_NE(attention_kernels(isa), attention_kernels(Isa::ref)) << isa_name(isa);
    }
}

// The inputs of the f16 rounding tests: random bit patterns (every exponent, NaNs and infs
// included) and the edges of the half range, a multiple of 16 long.
std::vector<float> f16_rounding_inputs() {
    std::mt19937 rng(11);
    std::vector<float> in(1 << 18);
    for (float& x : in) x = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    for (float x : {65504.0f, 65519.99f, 65520.0f, 0x1p-25f, 3 * 0x1p-25f, 0x1p-14f - 0x1p-26f, -0.0f, INFINITY})
        in.push_back(x);
    in.resize(in.size() / 16 * 16);
    return in;
}

// attend_head keeps its accumulator as f16 by rounding through vcvtps2ph (round to nearest
// even), which must equal fp32_to_fp16 on every input, including overflow to inf, subnormals
// and NaN quieting (checked exhaustively over all 2^32 inputs with the 512-bit form when this
// was written; here a sample over every exponent). In attention the rounded values are finite
// sums of products of a finite cache, so NaN never reaches it, but the rule holds anyway.
#if defined(__x86_64__)
__attribute__((target("avx2,f16c"))) void round_f16_x8(const float* in, uint16_t* out) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(in), _MM_FROUND_TO_NEAREST_INT);
    std::memcpy(out, &h, sizeof h);
}
__attribute__((target("avx512f"))) void round_f16_x16(const float* in, uint16_t* out) {
    const __m256i h = _mm512_cvtps_ph(_mm512_loadu_ps(in), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    std::memcpy(out, &h, sizeof h);
}

TEST(AttentionSimd, F16RoundingMatchesReference) {
    const std::vector<float> in = f16_rounding_inputs();
    uint16_t out[16];
    for (size_t i = 0; i < in.size(); i += 16) {
        if (isa_supported(Isa::avx2)) {
            round_f16_x8(&in[i], out);
            round_f16_x8(&in[i + 8], out + 8);
            for (size_t l = 0; l < 16; ++l) ASSERT_EQ(out[l], fp32_to_fp16(in[i + l])) << "avx2 " << std::bit_cast<uint32_t>(in[i + l]);
        }
        if (isa_supported(Isa::avx512)) {
            round_f16_x16(&in[i], out);
            for (size_t l = 0; l < 16; ++l) ASSERT_EQ(out[l], fp32_to_fp16(in[i + l])) << "avx512 " << std::bit_cast<uint32_t>(in[i + l]);
        }
    }
}
#elif defined(__aarch64__)
// The NEON row's conversions: fcvtn (vcvt_f16_f32) against fp32_to_fp16, and fcvtl
// (vcvt_f32_f16) against fp16_to_fp32 on all 65536 halves (subnormals, infs, NaN payloads).
TEST(AttentionSimd, F16RoundingMatchesReference) {
    const std::vector<float> in = f16_rounding_inputs();
    for (size_t i = 0; i < in.size(); i += 4) {
        const uint16x4_t h = vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(&in[i])));
        uint16_t out[4];
        vst1_u16(out, h);
        for (size_t l = 0; l < 4; ++l) ASSERT_EQ(out[l], fp32_to_fp16(in[i + l])) << "neon " << std::bit_cast<uint32_t>(in[i + l]);
    }
    for (uint32_t h = 0; h < 0x10000u; h += 4) {
        const uint16_t hs[4] = {uint16_t(h), uint16_t(h + 1), uint16_t(h + 2), uint16_t(h + 3)};
        float out[4];
        vst1q_f32(out, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(hs))));
        for (size_t l = 0; l < 4; ++l)
            ASSERT_TRUE(same_bits(out[l], fp16_to_fp32(hs[l]))) << "neon widen " << hs[l];
    }
}
#endif

}  // namespace
}  // namespace hearth::kernels
