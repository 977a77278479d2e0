// The server's embedding Session (see embedder.hpp).
#include "server/embedder.hpp"

namespace hearth::server {

std::vector<std::vector<float>> Embedder::embed(std::span<const std::vector<TokenId>> inputs, const EmbedOptions& options) {
    std::lock_guard lock(mutex_);
    if (!session_) session_.emplace(model_, SessionOptions{.n_ctx = n_ctx_, .ggml_order = true});  // as hearth embed
    std::vector<std::vector<float>> out;
    out.reserve(inputs.size());
    for (const std::vector<TokenId>& ids : inputs) out.push_back(session_->embed(std::span<const TokenId>(ids), options));
    return out;
}

}  // namespace hearth::server
