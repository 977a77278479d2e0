// Embeddings for the server's requests, on a Session of their own: the slots' Sessions belong to
// the Scheduler's worker thread and hold an n_batch of 1, so embeddings take neither. The
// Session is created at the first request (one more KV cache of n_ctx tokens) and serves one
// request at a time; its forward passes take turns with the slots' decode steps (the Model runs
// one pass at a time), so chat streams slow down during an embedding request but do not stop.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "hearth/hearth.hpp"

namespace hearth::server {

class Embedder {
public:
    // n_ctx: the longest input in tokens (the slots' context).
    Embedder(const Model& model, size_t n_ctx) : model_(model), n_ctx_(n_ctx) {}

    // One vector per input (token ids, 1..n_ctx each, ids checked by the caller), in order.
    // Blocks while another request's embeddings run.
    std::vector<std::vector<float>> embed(std::span<const std::vector<TokenId>> inputs, const EmbedOptions& options);

private:
    const Model& model_;
    size_t n_ctx_;
    std::mutex mutex_;                // one request at a time: a Session is not thread-safe
    std::optional<Session> session_;  // created by the first request
};

}  // namespace hearth::server
