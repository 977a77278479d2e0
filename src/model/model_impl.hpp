// What a loaded Model holds: the mapped file, its config and weight views, the tokenizer and the
// thread pool. Internal: Sessions reach it through ModelInternals::of(model).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "grammar/token_trie.hpp"
#include "hearth/hearth.hpp"
#include "memory/model_storage.hpp"
#include "model/arch.hpp"
#include "model/matmul_observer.hpp"
#include "model/weights.hpp"
#include "runtime/thread_pool.hpp"

namespace hearth {

struct Model::Impl {
    ModelStorage storage;  // declared first: file may view storage.bytes (copied weights)
    gguf::File file;
    ModelConfig config;
    const model::ArchSpec* arch = nullptr;
    model::ModelWeights weights;
    uint64_t decode_tile_bytes = 0;  // of the copied weights, bytes in the decode layout (Q4_0, Q8_0, Q4_K, Q5_K, Q6_K)
    Tokenizer tokenizer;
    std::unique_ptr<ThreadPool> pool;
    // The pool runs one parallel_for at a time: Sessions of one Model in different threads take
    // turns for each forward pass.
    std::unique_ptr<std::mutex> pool_mutex = std::make_unique<std::mutex>();
    // Set by an ImatrixCollector while it evaluates: every forward pass of a Session of this
    // model hands it its matmul inputs. Null otherwise (the passes then pay one pointer test).
    mutable std::atomic<model::MatmulObserver*> observer{nullptr};

    Impl(gguf::File f, Tokenizer t) : file(std::move(f)), tokenizer(std::move(t)) {}

    // The vocabulary trie for constrained generation, built by the first one that needs it
    // (about 0.1 s for 150k tokens) and then shared by every Session.
    const grammar::TokenTrie& token_trie() const {
        std::call_once(*token_trie_once, [this] { token_trie_ = std::make_unique<grammar::TokenTrie>(tokenizer); });
        return *token_trie_;
    }

private:
    std::unique_ptr<std::once_flag> token_trie_once = std::make_unique<std::once_flag>();
    mutable std::unique_ptr<const grammar::TokenTrie> token_trie_;
};

// The library's own way in to a Model's internals; the public header only names it as a friend.
struct ModelInternals {
    static const Model::Impl& of(const Model& model) noexcept { return *model.impl_; }
};

}  // namespace hearth
