// Whole-model quantization of a GGUF file (see hearth/quantize.hpp): its tensors as a source for
// quantize_tensors, decoded with the kernels' dequantizers; metadata copied.
#include "hearth/quantize.hpp"

#include <string>
#include <vector>

#include "kernels/kernels.hpp"
#include "quantize/tensor_source.hpp"

namespace hearth::quant {
namespace {

class GgufSource final : public TensorSource {
public:
    explicit GgufSource(const gguf::File& in) : in_(in), name_(in.name()) {
        for (const gguf::TensorInfo& t : in.tensors()) {
            std::vector<uint64_t> ne(t.ne.begin(), t.ne.begin() + std::max<uint32_t>(t.n_dims, 1));
            tensors_.push_back({std::string(t.name), std::move(ne), t.type, t.type, {t.data, t.n_bytes}, t.n_bytes,
                                kernels::type_kernels(t.type) != nullptr});
        }
    }
    const std::string& name() const override { return name_; }
    std::span<const SourceTensor> tensors() const override { return tensors_; }
    void read_rows(size_t i, size_t r0, size_t r1, float* out) const override {
        const gguf::TensorInfo& t = in_.tensors()[i];
        const kernels::TypeKernels* k = kernels::type_kernels(t.type);
        const size_t n_cols = t.ne[0], row = *ggml_row_bytes(t.type, n_cols);
        for (size_t r = r0; r < r1; ++r) k->dequantize_row(t.data + r * row, out + (r - r0) * n_cols, n_cols);
    }

private:
    const gguf::File& in_;
    std::string name_;
    std::vector<SourceTensor> tensors_;
};

}  // namespace

void quantize_model(const gguf::File& in, const Recipe& recipe, const std::filesystem::path& out, size_t threads,
                    const std::function<void(const TensorReport&)>& on_tensor, const Imatrix* imatrix) {
    gguf::Writer w(static_cast<uint32_t>(in.alignment()));
    for (const gguf::MetadataEntry& e : in.metadata()) {
        if (e.key == "general.alignment" || e.key == "general.file_type" || e.key == "general.quantization_version") continue;
        w.add_value(e.key, e.value);
    }
    const std::string arch(in.get_string_opt("general.architecture").value_or(""));
    const size_t n_head = in.get_uint_opt(arch + ".attention.head_count").value_or(1);
    const size_t n_head_kv = in.get_uint_opt(arch + ".attention.head_count_kv").value_or(n_head);
    const ModelLayout layout{in.get_uint_opt(arch + ".block_count").value_or(0), n_head_kv ? n_head / n_head_kv : 1,
                             in.get_uint_opt(arch + ".expert_count").value_or(0)};
    quantize_tensors(GgufSource(in), layout, recipe, w, out, threads, on_tensor, imatrix);
}

}  // namespace hearth::quant
