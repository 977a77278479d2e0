// Model::load: map, read the config, bind the weights, build the tokenizer and the thread pool.
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "memory/model_storage.hpp"

#include "ops/matmul.hpp"
#include "model/model_config.hpp"
#include "model/model_impl.hpp"

namespace hearth {

namespace {

// Copied weights are the model's own: its Q4_0, Q8_0, Q4_K, Q5_K and Q6_K matrices whose rows come in
// sixteens are rearranged for decoding where the CPU level reads that layout (decode_layout.hpp),
// in place, at no cost in memory. Mapped weights stay as the file has them (read-only, shared
// with the page cache). Expert tensors keep ggml's layout (their views are offsets of expert 0's).
// Returns the bytes rearranged.
uint64_t use_decode_layout(model::ModelWeights& w, ModelStorage& storage) {
    if (storage.placement != WeightStorage::copied) return 0;
    std::vector<ops::WeightView*> views = {&w.token_embd, &w.output};
    for (model::LayerWeights& l : w.layers)
        for (ops::WeightView* v : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down})
            if (v->data != nullptr) views.push_back(v);
    std::byte* const base = storage.bytes.data();
    uint64_t bytes = 0;
    for (ops::WeightView* v : views) {
        if (!ops::decode_layout_fits(*v)) continue;
        const std::byte* rows = v->data;
        ops::to_decode_layout(*v, base + (rows - base));
        bytes += v->n_rows * v->row_bytes;
        for (ops::WeightView* twin : views)  // a tensor bound twice (tied output): both views follow
            if (twin->data == rows) *twin = *v;
    }
    return bytes;
}

}  // namespace

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

Model Model::load(const std::filesystem::path& path, const ModelOptions& options) {
    ModelStorage storage;
    gguf::File file = open_model_file(path, options, storage);
    ModelConfig config = model::read_model_config(file);
    Tokenizer tokenizer = Tokenizer::from_gguf(file);
    if (tokenizer.n_vocab() != config.n_vocab)
        throw Error(ErrorCode::invalid_file, fmt::format("{}: the vocabulary has {} tokens but token_embd.weight has {} rows",
                                                         file.name(), tokenizer.n_vocab(), config.n_vocab));

    auto impl = std::make_unique<Impl>(std::move(file), std::move(tokenizer));
    impl->storage = std::move(storage);  // the buffer's address is unchanged: file's views stay valid
    impl->config = std::move(config);
    impl->arch = model::find_arch(impl->config.arch);
    impl->weights = model::bind_weights(impl->file, impl->config, *impl->arch);
    impl->decode_tile_bytes = use_decode_layout(impl->weights, impl->storage);
    size_t threads = options.threads;
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    impl->pool = std::make_unique<ThreadPool>(threads);
    size_t panel_bytes = 0;
    for (const ops::WeightView* m : impl->weights.matrices())
        panel_bytes = std::max(panel_bytes, ops::matmul_worker_scratch_bytes(*m));
    impl->pool->reserve_worker_scratch(panel_bytes);
    return Model(std::move(impl));
}

const ModelConfig& Model::config() const noexcept { return impl_->config; }
const Tokenizer& Model::tokenizer() const noexcept { return impl_->tokenizer; }
const gguf::File& Model::file() const noexcept { return impl_->file; }
size_t Model::threads() const noexcept { return impl_->pool->size(); }

}  // namespace hearth
