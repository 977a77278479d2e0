// The views and scratch buffers of the attention kernels (kernels/attention_kernels.hpp), also
// what ops::attend_* take (src/ops/attention.hpp re-exports them). No intrinsics here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth::kernels {

struct AttentionScratch {
    uint16_t* q = nullptr;    // [head_dim] f16 query
    uint16_t* acc = nullptr;  // [head_dim] f16 running sum of V
};

struct KvHeadView {
    const uint16_t* k = nullptr;  // key of position p at k + p * k_stride, head_dim values
    size_t k_stride = 0;
    const uint16_t* v = nullptr;  // value of position p at v + p * v_stride, head_dim values
    size_t v_stride = 0;
};

// llama.cpp switches to a tiled kernel for batches of at least kTileQ query rows (head_dim a
// multiple of 16): q stays f32, scores are f32 FMA chains, the softmax runs per tile of kTileKv
// positions with an f32 accumulator. attend_head_tiled reproduces one row of it.
constexpr size_t kAttentionTileQ = 64;
constexpr size_t kAttentionTileKv = 64;

struct AttentionScratchF32 {
    float* scores = nullptr;  // [kAttentionTileKv]
    float* acc = nullptr;     // [head_dim] f32 running sum of V
};

// Consecutive tokens of one query head, as the prompt path hands them out: row i (token t0 + i)
// reads its query at q + i * stride, writes out + i * stride, and sees positions < n_kv0 + i.
struct QueryRows {
    const float* q = nullptr;
    float* out = nullptr;
    size_t stride = 0;
    size_t n_rows = 0;
    size_t n_kv0 = 0;
};

}  // namespace hearth::kernels
