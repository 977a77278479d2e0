// Several Sessions of one Model evaluated together: one forward pass appends each session's new
// tokens at its own n_past() in its own KV cache, so every weight matrix is read once for all of
// them (a server decoding N conversations at once). Sessions may be at any position and any
// phase: one session's prompt chunk and other sessions' single decode tokens mix in one batch.
//
// Numerics: every row of a batch is computed independently except attention (over its own
// session's cache), and a matmul's rounding order depends only on how many rows the pass has:
// one token takes the vec_dot order; 2-15 rows take it too, or, for weight types whose CPU level
// has a few-token GEMM (Q4_0 with AVX-512), the block-integer order; 16+ rows take the block-GEMM
// order where there is one. So a session gets the same bits beside any other sessions in passes
// of the same row-count class, and within the last bits of what it gets alone (as with
// llama.cpp's batched decoding). The thread count never changes a result.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <span>

#include "hearth/hearth.hpp"

namespace hearth {

// Not thread-safe (one per host thread); evaluations of different evaluators or Sessions of one
// Model take turns on the Model's thread pool.
class BatchEvaluator {
public:
    // Plans every activation buffer for up to max_tokens tokens from up to max_sequences sessions
    // (no allocation per eval). Throws Error(invalid_argument) for 0 or max_sequences > max_tokens.
    BatchEvaluator(const Model& model, size_t max_tokens, size_t max_sequences);
    BatchEvaluator(BatchEvaluator&&) noexcept;
    BatchEvaluator& operator=(BatchEvaluator&&) noexcept;
    ~BatchEvaluator();

    // Queues tokens to be appended to session at its n_past() by the next eval(). The session must
    // stay alive until then. Throws Error(invalid_argument) for no tokens, an id outside the
    // vocabulary, a session of another Model or already in this batch, a batch that would exceed
    // max_tokens or max_sequences; Error(context_full) when n_past() + tokens.size() > n_ctx().
    // Nothing is queued when it throws.
    void add(Session& session, std::span<const TokenId> tokens);
    // Evaluates everything queued in one forward pass and empties the batch. Afterwards each
    // session's tokens() ends with its new tokens and its logits() are its last token's.
    // abort (optional): when another thread sets it, the pass stops within about one matmul and
    // eval returns false: nothing was appended and the sessions have no logits() (true otherwise).
    bool eval(const std::atomic<bool>* abort = nullptr);
    void clear() noexcept;  // drops what is queued

    size_t n_tokens() const noexcept;     // queued tokens
    size_t n_sequences() const noexcept;  // queued sessions
    size_t max_tokens() const noexcept;
    size_t max_sequences() const noexcept;
    MemoryReport memory_report() const;   // the model's report plus this evaluator's activation arena

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hearth
