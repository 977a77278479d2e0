// The quantizer's engine (see quantize/tensor_source.hpp): choose each tensor's type by the
// recipe, then re-encode it in parallel chunks of rows while the writer streams the file.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "hearth/error.hpp"
#include "quantize/mix.hpp"
#include "quantize/quantize.hpp"
#include "quantize/tensor_source.hpp"
#include "runtime/thread_pool.hpp"

namespace hearth::quant {

void quantize_tensors(const TensorSource& src, const ModelLayout& layout, const Recipe& recipe, gguf::Writer& w,
                      const std::filesystem::path& out, size_t threads,
                      const std::function<void(const TensorReport&)>& on_tensor) {
    w.add_u32("general.file_type", file_type_id(recipe));
    w.add_u32("general.quantization_version", 2);

    const std::span<const SourceTensor> tensors = src.tensors();
    const bool tied = std::none_of(tensors.begin(), tensors.end(), [](const SourceTensor& t) { return t.name == "output.weight"; });
    std::vector<TypeChoice> types;
    for (const SourceTensor& t : tensors) {
        const TensorRole role{t.name, t.ne.size(), t.ne[0], layout.n_layer, tied, layout.n_gqa, layout.n_expert};
        const TypeChoice choice = choose_type(recipe, role).value_or(TypeChoice{t.keep, t.keep});
        if ((choice.type != t.keep || t.bytes.empty()) && !t.readable)
            throw Error(ErrorCode::unsupported, src.name() + ": tensor '" + t.name + "' is " +
                                                    std::string(ggml_type_name(t.from)) + ", which hearth cannot decode");
        types.push_back(choice);
        w.add_tensor(t.name, choice.type, t.ne);
    }

    uint64_t total_in = 0, done_in = 0;
    for (const SourceTensor& t : tensors) total_in += t.bytes_in;
    ThreadPool pool(threads);
    w.write(out, [&](size_t i, std::span<std::byte> dst) {
        const SourceTensor& t = tensors[i];
        const GgmlType to = types[i].type;
        if (to == t.keep && !t.bytes.empty()) {
            std::memcpy(dst.data(), t.bytes.data(), dst.size());
        } else {
            const size_t n_cols = t.ne[0];
            const size_t n_rows = t.ne[0] ? static_cast<size_t>(dst.size() / *ggml_row_bytes(to, n_cols)) : 0;
            const size_t out_row = *ggml_row_bytes(to, n_cols);
            constexpr size_t kRowsPerChunk = 32;
            pool.parallel_for((n_rows + kRowsPerChunk - 1) / kRowsPerChunk, [&](size_t c) {
                const size_t r0 = c * kRowsPerChunk, r1 = std::min(n_rows, r0 + kRowsPerChunk);
                std::vector<float> rows((r1 - r0) * n_cols);
                src.read_rows(i, r0, r1, rows.data());
                quantize_rows(to, rows.data(), dst.data() + r0 * out_row, r1 - r0, n_cols);
            });
        }
        if (on_tensor) {
            uint64_t n_elements = 1;
            for (uint64_t d : t.ne) n_elements *= d;
            done_in += t.bytes_in;
            on_tensor({t.name, t.from, to, types[i].wanted, n_elements, t.bytes_in, dst.size(), i, tensors.size(),
                       total_in ? static_cast<double>(done_in) / static_cast<double>(total_in) : 1.0});
        }
    });
}

}  // namespace hearth::quant
