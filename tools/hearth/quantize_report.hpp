// `hearth quantize --report`: what re-encoding cost each tensor (its RMS error relative to its
// RMS), and a one-screen summary of the tensors that cost most.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "hearth/quantize.hpp"

namespace hearth::cli {

class QuantizeErrorReport {
public:
    // Remembers a re-encoded tensor (tensors copied as they are have no error and are skipped).
    void add(const quant::TensorReport& r);
    // The error column of a tensor's line in the per-tensor listing ("" for a copied tensor).
    static std::string error_column(const quant::TensorReport& r);
    // The costliest tensors and the model's mean relative error.
    void print_summary(std::FILE* out) const;

private:
    struct Entry {
        std::string name;
        GgmlType to;
        uint64_t n_elements;
        double rel_error;
    };
    std::vector<Entry> entries_;
};

}  // namespace hearth::cli
