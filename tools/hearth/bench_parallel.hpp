// `hearth bench --parallel`: decode speed of several streams generating together, each step one
// batched forward pass with one token of every stream (what `hearth serve --parallel N` runs).
#pragma once

#include <span>
#include <vector>

#include "hearth/hearth.hpp"

namespace hearth::cli {

// Aggregate tokens/s of `streams` sessions each decoding tokens.size() tokens from an empty
// context, one batch per step; one value per repetition (an extra first run warms up).
std::vector<double> bench_parallel_decode(const Model& model, size_t streams, std::span<const TokenId> tokens, size_t reps);

}  // namespace hearth::cli
