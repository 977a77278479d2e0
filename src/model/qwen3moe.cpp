// Qwen3 mixture of experts (Qwen3-30B-A3B): Qwen3's graph (qwen3.cpp), but every layer's FFN is
// a router that sends each token through n_expert_used of n_expert small SwiGLU experts
// (ForwardPass::ffn_moe, moe_ffn.cpp) instead of one dense FFN.
#include "model/arch.hpp"

namespace hearth::model {

const ArchSpec kQwen3MoeArch{"qwen3moe", RopeStyle::neox, false, true, &qwen3_forward, true};

}  // namespace hearth::model
