// What the model quantizer reads: a list of tensors and their rows as floats. A GGUF file
// (`hearth quantize`) and a Hugging Face checkpoint (`hearth convert`) are both such sources, so
// the per-tensor type rules, the parallel re-encoding and the streaming write exist once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "hearth/ggml_type.hpp"
#include "hearth/gguf_writer.hpp"
#include "hearth/imatrix.hpp"
#include "hearth/quantize.hpp"

namespace hearth::quant {

struct SourceTensor {
    std::string name;           // GGUF name, e.g. "blk.0.attn_q.weight"
    std::vector<uint64_t> ne;   // GGUF dims: ne[0] = columns
    GgmlType from;              // the type the source stores it in (for reports)
    GgmlType keep;              // the type it is written in when the recipe leaves it alone
    std::span<const std::byte> bytes;  // its bytes in `keep` when stored exactly so; empty: read rows
    uint64_t bytes_in = 0;      // its size in the source
    bool readable = true;       // false: rows cannot be decoded (a type hearth has no kernels for)
};

// The counts the K-quant rules look at (see quantize/mix.hpp).
struct ModelLayout {
    size_t n_layer = 0;
    size_t n_gqa = 1;
    size_t n_expert = 0;
};

class TensorSource {
public:
    virtual ~TensorSource() = default;
    virtual const std::string& name() const = 0;  // for messages: the file or folder
    virtual std::span<const SourceTensor> tensors() const = 0;
    // Rows [r0, r1) of tensor i (a row is ne[0] values; a 3-D tensor's rows run through all its
    // matrices) as floats into out. Called from several threads at once; must not throw.
    virtual void read_rows(size_t i, size_t r0, size_t r1, float* out) const = 0;
};

// Adds general.file_type, general.quantization_version and every tensor of src (typed by the
// recipe) to w, whose other metadata the caller has set, and writes the file to out (through a
// temporary file: on error nothing is left). One tensor is in memory at a time. Each report holds
// the tensor's re-encoding error, measured on the rows just quantized. imatrix (optional): see
// quantize_model; its entries are checked against the tensors before the file is created.
void quantize_tensors(const TensorSource& src, const ModelLayout& layout, const Recipe& recipe, gguf::Writer& w,
                      const std::filesystem::path& out, size_t threads,
                      const std::function<void(const TensorReport&)>& on_tensor, const Imatrix* imatrix = nullptr);

}  // namespace hearth::quant
