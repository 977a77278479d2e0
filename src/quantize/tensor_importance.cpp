// Matching an importance-matrix entry to a tensor (see tensor_importance.hpp).
#include "quantize/tensor_importance.hpp"

#include <fmt/format.h>

#include "hearth/error.hpp"

namespace hearth::quant {

std::vector<std::vector<float>> tensor_importance(const Imatrix& imatrix, std::string_view name, std::span<const uint64_t> ne) {
    const ImatrixEntry* e = imatrix.find(name);
    if (!e) return {};
    if (e->in_sum2.size() != e->n_cols * e->n_mat || e->counts.size() != e->n_mat)
        throw Error(ErrorCode::invalid_argument, fmt::format("imatrix entry '{}' holds {} sums and {} counts for {} columns x {} matrices",
                                                             name, e->in_sum2.size(), e->counts.size(), e->n_cols, e->n_mat));
    const size_t n_cols = ne[0], n_mat = ne.size() >= 3 ? ne[2] : 1;
    std::vector<std::vector<float>> out;
    if (e->n_cols == n_cols && e->n_mat == n_mat) {
        for (size_t m = 0; m < n_mat; ++m) out.push_back(e->importance(m));
    } else if (e->n_mat == 1 && n_mat > 1 && e->n_cols == n_cols * n_mat) {
        const std::vector<float> flat = e->importance(0);  // legacy files store experts as one row
        for (size_t m = 0; m < n_mat; ++m) out.emplace_back(flat.begin() + m * n_cols, flat.begin() + (m + 1) * n_cols);
    } else {
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("imatrix entry '{}' has {} columns x {} matrices, but the tensor has {} x {} "
                                "(an importance matrix of another model?)",
                                name, e->n_cols, e->n_mat, n_cols, n_mat));
    }
    return out;
}

}  // namespace hearth::quant
