// Session::embed: a text's final-normed hidden states, chunk by chunk, pooled into one vector.
// Pooling reads each chunk's rows as they come, so a long text needs no [n_tokens, n_embd] buffer.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "hearth/embedding.hpp"
#include "session/session_impl.hpp"

namespace hearth {

namespace {

// llama.cpp's enum llama_pooling_type, as stored in <arch>.pooling_type.
constexpr uint64_t kPoolingNone = 0, kPoolingMean = 1, kPoolingCls = 2, kPoolingLast = 3, kPoolingRank = 4;

// Accumulates what a Pooling needs from the rows of a text of n_tokens tokens.
class Pooler {
public:
    Pooler(Pooling pooling, size_t n_embd, size_t n_tokens) : pooling_(pooling), n_tokens_(n_tokens), sum_(n_embd, 0.0) {}

    void add(const float* rows, size_t n, size_t first) {
        const size_t d = sum_.size();
        switch (pooling_) {
            case Pooling::mean:
                for (size_t t = 0; t < n; ++t)
                    for (size_t i = 0; i < d; ++i) sum_[i] += rows[t * d + i];
                break;
            case Pooling::cls:
                if (first == 0) std::copy_n(rows, d, sum_.begin());
                break;
            case Pooling::last:
                if (first + n == n_tokens_) std::copy_n(rows + (n - 1) * d, d, sum_.begin());
                break;
        }
    }

    // The first `dimensions` values (1..n_embd), scaled to unit length if asked.
    std::vector<float> result(size_t dimensions, bool normalize) const {
        double scale = pooling_ == Pooling::mean ? 1.0 / static_cast<double>(n_tokens_) : 1.0;
        const auto kept = sum_.begin() + static_cast<std::ptrdiff_t>(dimensions);
        if (normalize) {
            double norm2 = 0;
            for (auto it = sum_.begin(); it != kept; ++it) norm2 += *it * scale * *it * scale;
            scale = norm2 > 0 ? scale / std::sqrt(norm2) : 0.0;  // an all-zero vector stays zero
        }
        std::vector<float> out(dimensions);
        std::transform(sum_.begin(), kept, out.begin(), [&](double v) { return static_cast<float>(v * scale); });
        return out;
    }

private:
    Pooling pooling_;
    size_t n_tokens_;
    std::vector<double> sum_;  // mean: the running sum; cls, last: the chosen row
};

}  // namespace

const char* to_string(Pooling pooling) noexcept {
    switch (pooling) {
        case Pooling::mean: return "mean";
        case Pooling::cls: return "cls";
        case Pooling::last: return "last";
    }
    return "unknown";
}

std::optional<Pooling> pooling_from_string(std::string_view name) noexcept {
    for (Pooling p : {Pooling::mean, Pooling::cls, Pooling::last})
        if (name == to_string(p)) return p;
    return std::nullopt;
}

Pooling default_pooling(const Model& model) {
    const std::string key = model.config().arch + ".pooling_type";
    switch (const uint64_t type = model.file().get_uint_opt(key).value_or(kPoolingNone)) {
        case kPoolingNone:
        case kPoolingLast: return Pooling::last;
        case kPoolingMean: return Pooling::mean;
        case kPoolingCls: return Pooling::cls;
        case kPoolingRank:
            throw Error(ErrorCode::unsupported, fmt::format("{}: {} = 4 (rank) asks for a reranker's classification head, "
                                                            "which hearth does not have",
                                                            model.file().name(), key));
        default:
            throw Error(ErrorCode::unsupported, fmt::format("{}: unknown {} = {}", model.file().name(), key, type));
    }
}

std::vector<float> Session::embed(std::span<const TokenId> tokens, const EmbedOptions& options) {
    Impl& s = *impl_;
    if (tokens.empty()) throw Error(ErrorCode::invalid_argument, "embed: the input has no tokens");
    if (tokens.size() > s.n_ctx)
        throw Error(ErrorCode::context_full,
                    fmt::format("embed: the input has {} tokens but the context holds {} (n_ctx)", tokens.size(), s.n_ctx));
    const size_t n_embd = s.m->config.n_embd;
    if (options.dimensions > n_embd)
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("embed: dimensions = {} exceeds the model's embedding size {}", options.dimensions, n_embd));
    const Pooling pooling = options.pooling ? *options.pooling : default_pooling(*s.model);
    Pooler pooler(pooling, n_embd, tokens.size());
    reset();  // every hidden state is needed, so no prefix of an earlier text can be kept
    s.eval(tokens, {}, [&](const float* rows, size_t n, size_t first) { pooler.add(rows, n, first); });
    return pooler.result(options.dimensions == 0 ? n_embd : options.dimensions, options.normalize);
}

std::vector<float> Session::embed(std::string_view text, const EmbedOptions& options) {
    if (text.empty()) throw Error(ErrorCode::invalid_argument, "embed: the text is empty");
    const std::vector<TokenId> ids = impl_->m->tokenizer.encode(text, options.add_special, options.parse_special);
    return embed(std::span<const TokenId>(ids), options);
}

}  // namespace hearth
