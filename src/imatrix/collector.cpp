// ImatrixCollector (see hearth/imatrix.hpp): a MatmulObserver on the session's forward passes.
// A matmul's weight view is recognised by its data pointer, which lies inside exactly one tensor
// of the model file (the views are bound to the file's tensors, mapped or copied); the offset
// from the tensor's start says which expert of a 3-D tensor it is. A tied output matrix is
// token_embd.weight, and is recorded under that name.
#include <algorithm>

#include "hearth/imatrix.hpp"
#include "model/matmul_observer.hpp"
#include "model/model_impl.hpp"

namespace hearth {

struct ImatrixCollector::Impl final : model::MatmulObserver {
    struct Tensor {
        const std::byte* begin = nullptr;
        uint64_t n_bytes = 0;
        std::string name;
        size_t n_cols = 0, n_mat = 1;
        std::vector<double> sum2;     // [n_mat][n_cols], allocated when first seen
        std::vector<uint64_t> counts;  // [n_mat]
    };

    Session* session = nullptr;
    std::vector<Tensor> tensors;  // every matrix of the model, by data address
    std::vector<float> logits;
    uint32_t chunks = 0, chunk_size = 0;

    explicit Impl(Session& s) : session(&s) {
        for (const gguf::TensorInfo& t : s.model().file().tensors())
            if (t.n_dims >= 2) tensors.push_back({t.data, t.n_bytes, std::string(t.name), t.ne[0], t.n_dims >= 3 ? t.ne[2] : 1, {}, {}});
        std::sort(tensors.begin(), tensors.end(), [](const Tensor& a, const Tensor& b) { return a.begin < b.begin; });
    }

    Tensor* tensor_of(const std::byte* p) {
        auto it = std::upper_bound(tensors.begin(), tensors.end(), p, [](const std::byte* q, const Tensor& t) { return q < t.begin; });
        if (it == tensors.begin()) return nullptr;
        --it;
        return p < it->begin + it->n_bytes ? &*it : nullptr;
    }

    void on_matmul(const ops::WeightView& w, const float* x, size_t n_rows) override {
        Tensor* t = tensor_of(w.data);
        if (!t || w.n_cols != t->n_cols) return;  // not a file tensor (cannot happen for bound weights)
        const size_t m = static_cast<size_t>(w.data - t->begin) / (w.row_bytes * w.n_rows);
        if (t->sum2.empty()) {
            t->sum2.assign(t->n_mat * t->n_cols, 0.0);
            t->counts.assign(t->n_mat, 0);
        }
        double* s = t->sum2.data() + m * t->n_cols;
        for (size_t r = 0; r < n_rows; ++r, x += t->n_cols)  // rows in order: the same sums at any thread count
            for (size_t j = 0; j < t->n_cols; ++j) s[j] += double(x[j]) * x[j];
        t->counts[m] += n_rows;
    }
};

ImatrixCollector::ImatrixCollector(Session& session) : impl_(std::make_unique<Impl>(session)) {}
ImatrixCollector::ImatrixCollector(ImatrixCollector&&) noexcept = default;
ImatrixCollector& ImatrixCollector::operator=(ImatrixCollector&&) noexcept = default;
ImatrixCollector::~ImatrixCollector() = default;

std::span<const float> ImatrixCollector::add_chunk(std::span<const TokenId> chunk) {
    Impl& c = *impl_;
    const Model::Impl& model = ModelInternals::of(c.session->model());
    c.logits.resize(chunk.size() * model.config.n_vocab);
    c.session->reset();
    struct Watch {  // the model's passes are observed during this eval only, even if it throws
        const Model::Impl& model;
        ~Watch() { model.observer.store(nullptr); }
    } watch{model};
    model.observer.store(&c);
    c.session->eval(chunk, c.logits);  // every token's logits: the output matrix sees every row too
    ++c.chunks;
    c.chunk_size = std::max(c.chunk_size, static_cast<uint32_t>(chunk.size()));
    return c.logits;
}

Imatrix ImatrixCollector::result() const {
    Imatrix m;
    m.chunk_count = impl_->chunks;
    m.chunk_size = impl_->chunk_size;
    for (const Impl::Tensor& t : impl_->tensors) {
        if (t.sum2.empty()) continue;  // never multiplied (e.g. token_embd of an untied model)
        ImatrixEntry e;
        e.n_cols = t.n_cols;
        e.n_mat = t.n_mat;
        e.in_sum2.assign(t.sum2.begin(), t.sum2.end());
        e.counts.assign(t.counts.begin(), t.counts.end());
        m.entries.emplace(t.name, std::move(e));
    }
    return m;
}

}  // namespace hearth
