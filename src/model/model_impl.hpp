// What a loaded Model holds: the mapped file, its config and weight views, the tokenizer and the
// thread pool. Internal: Sessions reach it through ModelInternals::of(model).
#pragma once

#include <memory>
#include <mutex>

#include "hearth/hearth.hpp"
#include "memory/model_storage.hpp"
#include "model/arch.hpp"
#include "model/weights.hpp"
#include "runtime/thread_pool.hpp"

namespace hearth {

struct Model::Impl {
    ModelStorage storage;  // declared first: file may view storage.bytes (copied weights)
    gguf::File file;
    ModelConfig config;
    const model::ArchSpec* arch = nullptr;
    model::ModelWeights weights;
    Tokenizer tokenizer;
    std::unique_ptr<ThreadPool> pool;
    // The pool runs one parallel_for at a time: Sessions of one Model in different threads take
    // turns for each forward pass.
    std::unique_ptr<std::mutex> pool_mutex = std::make_unique<std::mutex>();

    Impl(gguf::File f, Tokenizer t) : file(std::move(f)), tokenizer(std::move(t)) {}
};

// The library's own way in to a Model's internals; the public header only names it as a friend.
struct ModelInternals {
    static const Model::Impl& of(const Model& model) noexcept { return *model.impl_; }
};

}  // namespace hearth
