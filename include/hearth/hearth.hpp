// hearth's public API on one screen: load a GGUF model, open a Session, evaluate, generate or embed.
// A Model is immutable and may be shared by threads; a Session may not (one per conversation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/embedding.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/grammar.hpp"
#include "hearth/memory.hpp"
#include "hearth/model_config.hpp"
#include "hearth/sampler.hpp"
#include "hearth/tokenizer.hpp"

namespace hearth {

struct ModelOptions {
    size_t threads = 0;     // worker threads incl. the caller; 0 = all hardware threads
    // Mapped (zero copy) or copied into 2 MiB-page memory; automatic picks the faster one that
    // fits comfortably (the rule and the numbers are in memory.hpp).
    WeightStorage weights = WeightStorage::automatic;
    bool mlock = false;     // lock the weights in RAM; Error(out_of_memory) naming the limit when refused
    // Called with the fraction of the weights read or locked so far (0..1), ending with 1.
    std::function<void(double)> progress = nullptr;
};

// The general.architecture values Model::load runs ("llama", "qwen2", "qwen3", "gemma3").
std::vector<std::string> supported_architectures();

class Model {
public:
    // Maps the file and checks config, tensors and vocabulary. Throws hearth::Error.
    static Model load(const std::filesystem::path& path, const ModelOptions& options = {});
    Model(Model&&) noexcept;
    Model& operator=(Model&&) noexcept;
    ~Model();

    const ModelConfig& config() const noexcept;
    const Tokenizer& tokenizer() const noexcept;
    const gguf::File& file() const noexcept;  // metadata, e.g. for ChatTemplate::from_gguf
    size_t threads() const noexcept;
    // Weights: bytes, how many are resident now, mapped or read, locked (see memory.hpp).
    MemoryReport memory_report() const;

    struct Impl;  // internal (src/model/model_impl.hpp): what Sessions and evaluators reach

private:
    friend struct ModelInternals;
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

struct SessionOptions {
    size_t n_ctx = 0;      // context length in tokens; 0 = min(n_ctx_train, 4096)
    size_t n_batch = 512;  // prompt tokens per forward pass
    KvType kv_type = KvType::f16;  // KV cache element type (q8_0: about half the memory)
    // Products round as llama.cpp's x86 CPU backend does where hearth has its order (Q8_0: its
    // vec_dot's, ~2x slower prompts on AVX-512/AMX; Q4_K and Q6_K: its vec_dot's and its repacked
    // GEMV/GEMM's, prompts ~2-3x slower than the block GEMMs; other types as always), so logits
    // and embeddings compare with llama.cpp's to the last bit; off, the fastest kernels, whose
    // last bits may differ. hearth eval, hearth embed and the server's embeddings turn it on.
    bool ggml_order = false;
};

struct GenerateOptions {
    SamplerOptions sampling;         // temperature 0 = greedy
    size_t max_tokens = 256;         // generated tokens at most
    std::vector<std::string> stop;   // stop strings (not included in the result)
    bool add_special = true;         // BOS/EOS around the prompt as the model asks
    bool parse_special = true;       // "<|im_start|>" in the prompt is the control token
    // Only text the grammar allows is generated, and generation does not end before the grammar
    // accepts (grammar.hpp); max_tokens still applies (the text is then cut short).
    std::optional<Grammar> grammar;
};

enum class StopReason { max_tokens, end_of_generation, stop_string, callback, context_full };
const char* to_string(StopReason reason) noexcept;

struct GenerateResult {
    std::string text;                // the generated text (stop string excluded)
    std::vector<TokenId> tokens;     // the generated ids
    StopReason stop_reason = StopReason::max_tokens;
    size_t prompt_tokens = 0;        // tokens in the prompt
    size_t reused_tokens = 0;        // prompt tokens whose KV entries were kept from the last call
    double prompt_seconds = 0;       // evaluating the new prompt tokens
    double generate_seconds = 0;     // sampling + evaluating generated tokens
};

// Called with each new piece of text (whole UTF-8 characters) and its token; return false to stop.
using TokenCallback = std::function<bool(std::string_view piece, TokenId id)>;

class Session {
public:
    // Preallocates the KV cache for n_ctx tokens and all activation buffers (see memory.hpp).
    explicit Session(const Model& model, const SessionOptions& options = {});
    Session(Session&&) noexcept;
    Session& operator=(Session&&) noexcept;
    ~Session();

    // Appends tokens at position n_past() and computes them in chunks of n_batch.
    // all_logits (optional): [tokens.size()][n_vocab] receives the logits of every token.
    // Throws Error(invalid_argument) for no tokens or an id outside the vocabulary,
    // Error(context_full) when n_past() + tokens.size() > n_ctx().
    void eval(std::span<const TokenId> tokens, std::span<float> all_logits = {});
    std::span<const float> logits() const noexcept;  // last evaluated token's logits [n_vocab]

    // Tokenizes prompt, keeps the KV entries of the longest common prefix with tokens(), evaluates
    // the rest, then samples until EOS/EOT, a stop string, max_tokens, the callback or a full context.
    GenerateResult generate(std::string_view prompt, const GenerateOptions& options, const TokenCallback& on_token = {});
    GenerateResult generate(std::span<const TokenId> prompt, const GenerateOptions& options,
                            const TokenCallback& on_token = {});

    // The pooled, optionally normalised, final hidden state of tokens (embedding.hpp): a vector
    // of n_embd floats. The session is reset and the tokens evaluated from position 0 in chunks
    // of n_batch, without the output matrix; afterwards the cache holds them (tokens() lists
    // them, logits() is empty), so call reset() or let generate() replace them. Token ids are
    // evaluated as given (nothing added). Throws Error(invalid_argument) for no tokens or an id
    // outside the vocabulary, Error(context_full) for more than n_ctx tokens.
    std::vector<float> embed(std::span<const TokenId> tokens, const EmbedOptions& options = {});
    // The same for a text, tokenized with options.add_special / parse_special.
    std::vector<float> embed(std::string_view text, const EmbedOptions& options = {});

    // Tokens at the start of prompt whose KV entries this session already holds and that
    // generate(prompt) keeps: the common prefix with tokens(), at most prompt.size() - 1 (the last
    // prompt token is always evaluated again for its logits).
    size_t reusable_prefix(std::span<const TokenId> prompt) const noexcept;
    void reset() noexcept;                        // forget all tokens (the cache is reused)
    // Keeps only the first n_keep tokens. A model with sliding-window layers keeps their last
    // positions only: when those no longer reach back to n_keep, it keeps none (n_past() says
    // what was kept; the next eval or generate evaluates the rest again).
    void truncate(size_t n_keep) noexcept;
    size_t n_past() const noexcept;               // tokens in the cache
    size_t n_ctx() const noexcept;
    std::span<const TokenId> tokens() const noexcept;  // the tokens in the cache, in order
    const Model& model() const noexcept;
    // The model's report plus this session's KV cache and activation arena.
    MemoryReport memory_report() const;

private:
    friend class BatchEvaluator;  // appends to several sessions in one forward pass (batch.hpp)
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hearth
