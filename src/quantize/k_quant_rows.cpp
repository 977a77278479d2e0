// K-quant row quantizers (see k_quant_rows.hpp). Each super-block of 256 values is split into
// groups whose scale (and min) are fitted by weighted least squares (block_fit.cpp), then the
// group scales are themselves quantized against one fp16 super-block scale, and the values are
// re-quantized against the scales exactly as they will be decoded. Two families share the code:
//   asymmetric (x ~ d*s*q - dmin*m):  Q2_K (16 groups of 16, 4-bit s/m), Q4_K and Q5_K (8 of 32, 6-bit)
//   symmetric  (x ~ d*s*(q - zero)):  Q3_K (16 of 16, 6-bit s), Q6_K (16 of 16, 8-bit s)
// The bit layouts are the ones kernels/ref/k_quants.cpp decodes. With an importance matrix (qw)
// the fits weigh each value as llama.cpp's quantizer does (block_fit.hpp, ValueImportance) and
// the group scales are fitted weighted by their groups' total weight.
#include "quantize/k_quant_rows.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/ref/f16.hpp"
#include "quantize/block_fit.hpp"

namespace hearth::quant {
namespace {

using namespace hearth::kernels;

constexpr size_t kMaxGroups = 16;

// Asymmetric groups: fills the scale and min levels (0..level_max) of n_groups groups of
// kQKK / n_groups values, the fp16 d/dmin, and the value levels L (0..nmax).
struct AsymmetricFit {
    uint8_t ls[kMaxGroups], lm[kMaxGroups];
    uint16_t d, dmin;
};

// One group's fit weights: from the importance matrix when there is one, else importance_weights.
void group_weights(const float* x, const ValueImportance& imp, size_t offset, size_t n, float* w) {
    if (!imp.qw) return importance_weights(x + offset, n, w);
    ValueImportance group = imp;
    group.qw += offset;
    imatrix_weights(x + offset, group, n, w);
}

float sum(const float* v, size_t n) {
    float s = 0;
    for (size_t i = 0; i < n; ++i) s += v[i];
    return s;
}

AsymmetricFit fit_asymmetric_groups(const float* x, const ValueImportance& imp, size_t n_groups, int nmax, int level_max,
                                    uint8_t* L) {
    const size_t size = kQKK / n_groups;
    float scales[kMaxGroups], mins[kMaxGroups], sw[kMaxGroups], w[kQKK];
    for (size_t g = 0; g < n_groups; ++g) {
        group_weights(x, imp, size * g, size, w);
        sw[g] = sum(w, size);
        scales[g] = fit_asymmetric(x + size * g, w, size, nmax, L + size * g, &mins[g]);
    }
    AsymmetricFit f{};
    // With an importance matrix, the scales and mins of the groups that matter most are kept most exactly.
    f.d = fp32_to_fp16(imp.qw ? quantize_scales_weighted(scales, sw, n_groups, level_max, f.ls)
                              : quantize_scales(scales, n_groups, level_max, f.ls));
    f.dmin = fp32_to_fp16(imp.qw ? quantize_scales_weighted(mins, sw, n_groups, level_max, f.lm)
                                 : quantize_scales(mins, n_groups, level_max, f.lm));
    for (size_t g = 0; g < n_groups; ++g) {
        const float d = fp16_to_fp32(f.d) * f.ls[g], m = fp16_to_fp32(f.dmin) * f.lm[g], id = d == 0 ? 0.0f : 1.0f / d;
        round_levels(x + size * g, size, id, m * id, nmax, L + size * g);  // (x + m) / d; all 0 when d is
    }
    return f;
}

// Symmetric groups of 16: signed scale levels in [-scale_zero, scale_zero - 1] against one fp16
// d (the largest scale maps to -scale_zero), value levels L in [0, 2*zero - 1] (zero = offset).
struct SymmetricFit {
    int ls[kMaxGroups];
    uint16_t d;
};

SymmetricFit fit_symmetric_groups(const float* x, const ValueImportance& imp, int zero, int scale_zero, uint8_t* L) {
    constexpr size_t kSize = 16;
    float scales[kMaxGroups], sw[kMaxGroups], w[kSize];
    for (size_t g = 0; g < kMaxGroups; ++g) {
        group_weights(x, imp, kSize * g, kSize, w);
        sw[g] = sum(w, kSize);
        scales[g] = fit_symmetric(x + kSize * g, w, kSize, zero, L + kSize * g);
    }
    SymmetricFit f{};
    if (imp.qw) {  // the group scales themselves fitted by weighted least squares, weighted by sw
        uint8_t levels[kMaxGroups];
        f.d = fp32_to_fp16(fit_symmetric(scales, sw, kMaxGroups, scale_zero, levels));
        for (size_t g = 0; g < kMaxGroups; ++g) f.ls[g] = int(levels[g]) - scale_zero;
    } else if (const float max_scale = signed_absmax(scales, kMaxGroups); max_scale != 0) {
        const float iscale = -static_cast<float>(scale_zero) / max_scale;
        f.d = fp32_to_fp16(1.0f / iscale);
        for (size_t g = 0; g < kMaxGroups; ++g) f.ls[g] = std::min(scale_zero - 1, nearest(iscale * scales[g]));
    }
    for (size_t g = 0; g < kMaxGroups; ++g) {
        const float d = fp16_to_fp32(f.d) * static_cast<float>(f.ls[g]);
        // x / d + zero, the levels' stored offset; all zero when d is 0
        round_levels(x + kSize * g, kSize, d == 0 ? 0.0f : 1.0f / d, static_cast<float>(zero), 2 * zero - 1, L + kSize * g);
    }
    return f;
}

// A super-block's importance: qw (null without an imatrix) and llama.cpp's per-type sigma2,
// sigma_scale times the mean square of the block's values.
ValueImportance block_importance(const float* x, const float* qw, float sigma_scale) {
    if (!qw) return {};
    return {qw, sigma_scale * static_cast<float>(mean_square(x, kQKK)), false};
}

// Q2_K and Q3_K store the low two bits of element n*128 + j*32 + l at bits 2j of qs[n*32 + l].
void pack_two_bits(const uint8_t* L, uint8_t* qs) {
    std::memset(qs, 0, kQKK / 4);
    for (size_t e = 0; e < kQKK; ++e) {
        const size_t n = e / 128, j = (e % 128) / 32, l = e % 32;
        qs[n * 32 + l] |= static_cast<uint8_t>((L[e] & 3) << (2 * j));
    }
}

// Q4_K/Q5_K: 12-byte packing read back by k_scale_min(): sub-blocks 0-3 in the low 6 bits of
// bytes 0-7, sub-blocks 4-7 as nibbles in bytes 8-11 with their top 2 bits in the top of bytes 0-7.
template <typename Block>
void pack_k4_scales(const AsymmetricFit& f, Block& blk) {
    std::memset(blk.scales, 0, sizeof blk.scales);
    for (size_t j = 0; j < 4; ++j) {
        blk.scales[j] = f.ls[j];
        blk.scales[j + 4] = f.lm[j];
    }
    for (size_t j = 4; j < 8; ++j) {
        blk.scales[j + 4] = static_cast<uint8_t>((f.ls[j] & 0xF) | ((f.lm[j] & 0xF) << 4));
        blk.scales[j - 4] |= static_cast<uint8_t>((f.ls[j] >> 4) << 6);
        blk.scales[j] |= static_cast<uint8_t>((f.lm[j] >> 4) << 6);
    }
    blk.d = f.d;
    blk.dmin = f.dmin;
}

}  // namespace

void row_q2_k(const float* x, BlockQ2_K* y, size_t nb, const float* qw) {
    for (size_t b = 0; b < nb; ++b, x += kQKK, qw = qw ? qw + kQKK : nullptr) {
        uint8_t L[kQKK];
        const AsymmetricFit f = fit_asymmetric_groups(x, block_importance(x, qw, 1.0f), 16, 3, 15, L);
        for (size_t g = 0; g < 16; ++g) y[b].scales[g] = static_cast<uint8_t>(f.ls[g] | (f.lm[g] << 4));
        pack_two_bits(L, y[b].qs);
        y[b].d = f.d;
        y[b].dmin = f.dmin;
    }
}

void row_q3_k(const float* x, BlockQ3_K* y, size_t nb, const float* qw) {
    for (size_t b = 0; b < nb; ++b, x += kQKK, qw = qw ? qw + kQKK : nullptr) {
        uint8_t L[kQKK];
        const SymmetricFit f = fit_symmetric_groups(x, block_importance(x, qw, 2.0f), 4, 32, L);
        // 16 six-bit scales biased by 32: low nibbles in bytes 0-7 (groups 8-15 in the high
        // nibble), the top two bits of group g at bits 2*(g/4) of byte 8 + g%4.
        std::memset(y[b].scales, 0, sizeof y[b].scales);
        for (size_t g = 0; g < 16; ++g) {
            const int l = f.ls[g] + 32;
            y[b].scales[g % 8] |= static_cast<uint8_t>((l & 0xF) << (g < 8 ? 0 : 4));
            y[b].scales[8 + g % 4] |= static_cast<uint8_t>((l >> 4) << (2 * (g / 4)));
        }
        // Levels 0..7 are q + 4: the low two bits as in Q2_K, the third (set when q >= 0) in hmask.
        pack_two_bits(L, y[b].qs);
        std::memset(y[b].hmask, 0, sizeof y[b].hmask);
        for (size_t e = 0; e < kQKK; ++e) {
            const size_t n = e / 128, j = (e % 128) / 32, l = e % 32;
            y[b].hmask[l] |= static_cast<uint8_t>((L[e] >> 2) << (n * 4 + j));
        }
        y[b].d = f.d;
    }
}

void row_q4_k(const float* x, BlockQ4_K* y, size_t nb, const float* qw) {
    for (size_t b = 0; b < nb; ++b, x += kQKK, qw = qw ? qw + kQKK : nullptr) {
        uint8_t L[kQKK];
        pack_k4_scales(fit_asymmetric_groups(x, block_importance(x, qw, 2.0f), 8, 15, 63, L), y[b]);
        for (size_t c = 0; c < 4; ++c)  // each 64-value chunk: sub-block 2c in low nibbles, 2c+1 in high
            for (size_t l = 0; l < 32; ++l)
                y[b].qs[32 * c + l] = static_cast<uint8_t>(L[64 * c + l] | (L[64 * c + 32 + l] << 4));
    }
}

void row_q5_k(const float* x, BlockQ5_K* y, size_t nb, const float* qw) {
    for (size_t b = 0; b < nb; ++b, x += kQKK, qw = qw ? qw + kQKK : nullptr) {
        uint8_t L[kQKK];
        pack_k4_scales(fit_asymmetric_groups(x, block_importance(x, qw, 2.0f), 8, 31, 63, L), y[b]);
        std::memset(y[b].qh, 0, sizeof y[b].qh);
        for (size_t c = 0; c < 4; ++c)
            for (size_t l = 0; l < 32; ++l) {
                const uint8_t a = L[64 * c + l], h = L[64 * c + 32 + l];
                y[b].qs[32 * c + l] = static_cast<uint8_t>((a & 0xF) | ((h & 0xF) << 4));
                y[b].qh[l] |= static_cast<uint8_t>(((a >> 4) << (2 * c)) | ((h >> 4) << (2 * c + 1)));
            }
    }
}

void row_q6_k(const float* x, BlockQ6_K* y, size_t nb, const float* qw) {
    for (size_t b = 0; b < nb; ++b, x += kQKK, qw = qw ? qw + kQKK : nullptr) {
        uint8_t L[kQKK];
        const ValueImportance raw{qw, 0.0f, true};  // Q6_K weighs by the importance alone, as llama.cpp
        const SymmetricFit f = fit_symmetric_groups(x, raw, 32, 128, L);
        y[b].d = f.d;
        for (size_t g = 0; g < 16; ++g) y[b].scales[g] = static_cast<int8_t>(f.ls[g]);
        // Two halves of 128: values l, l+32, l+64, l+96 share ql[l]/ql[l+32] nibbles and one qh byte.
        for (size_t h = 0; h < 2; ++h) {
            uint8_t* ql = y[b].ql + 64 * h;
            uint8_t* qh = y[b].qh + 32 * h;
            const uint8_t* q = L + 128 * h;
            for (size_t l = 0; l < 32; ++l) {
                ql[l] = static_cast<uint8_t>((q[l] & 0xF) | ((q[l + 64] & 0xF) << 4));
                ql[l + 32] = static_cast<uint8_t>((q[l + 32] & 0xF) | ((q[l + 96] & 0xF) << 4));
                qh[l] = static_cast<uint8_t>((q[l] >> 4) | ((q[l + 32] >> 4) << 2) | ((q[l + 64] >> 4) << 4) |
                                             ((q[l + 96] >> 4) << 6));
            }
        }
    }
}

}  // namespace hearth::quant
