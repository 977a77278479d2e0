// A hook that sees the input of every weight-matrix multiplication of a forward pass (the
// importance-matrix collector uses it). Batch::observer is null in normal runs, so the forward
// pass pays one pointer test per matmul for it.
#pragma once

#include <cstddef>

#include "ops/matmul.hpp"

namespace hearth::model {

class MatmulObserver {
public:
    // x: [n_rows, w.n_cols], the rows about to be multiplied by w (one expert's matrix for an
    // expert tensor). Called on the thread running the forward pass, before the product, in
    // graph order.
    virtual void on_matmul(const ops::WeightView& w, const float* x, size_t n_rows) = 0;

protected:
    ~MatmulObserver() = default;
};

}  // namespace hearth::model
