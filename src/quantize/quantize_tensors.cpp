// The quantizer's engine (see quantize/tensor_source.hpp): choose each tensor's type by the
// recipe, then re-encode it in parallel chunks of rows while the writer streams the file.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "hearth/error.hpp"
#include "kernels/kernels.hpp"
#include "quantize/mix.hpp"
#include "quantize/quantize.hpp"
#include "quantize/tensor_importance.hpp"
#include "quantize/tensor_source.hpp"
#include "runtime/thread_pool.hpp"

namespace hearth::quant {
namespace {

// Squared error of a re-encoding and squared size of what was encoded.
struct ErrorSums {
    double error = 0, reference = 0;
    ErrorSums& operator+=(const ErrorSums& o) {
        error += o.error;
        reference += o.reference;
        return *this;
    }
};

// Decodes the encoded rows again and compares them with the floats they were made from.
ErrorSums error_sums(const kernels::TypeKernels& k, std::span<const float> rows, const std::byte* encoded, size_t row_bytes,
                     size_t n_cols) {
    std::vector<float> decoded(n_cols);
    ErrorSums s;
    for (size_t r = 0; r * n_cols < rows.size(); ++r) {
        k.dequantize_row(encoded + r * row_bytes, decoded.data(), n_cols);
        for (size_t i = 0; i < n_cols; ++i) {
            const double x = rows[r * n_cols + i], d = x - decoded[i];
            s.error += d * d;
            s.reference += x * x;
        }
    }
    return s;
}

}  // namespace

void quantize_tensors(const TensorSource& src, const ModelLayout& layout, const Recipe& recipe, gguf::Writer& w,
                      const std::filesystem::path& out, size_t threads,
                      const std::function<void(const TensorReport&)>& on_tensor, const Imatrix* imatrix) {
    w.add_u32("general.file_type", file_type_id(recipe));
    w.add_u32("general.quantization_version", 2);

    const std::span<const SourceTensor> tensors = src.tensors();
    const bool tied = std::none_of(tensors.begin(), tensors.end(), [](const SourceTensor& t) { return t.name == "output.weight"; });
    std::vector<TypeChoice> types;
    std::vector<std::vector<std::vector<float>>> importance;  // [tensor][matrix][column], empty: unweighted
    for (const SourceTensor& t : tensors) {
        const TensorRole role{t.name, t.ne.size(), t.ne[0], layout.n_layer, tied, layout.n_gqa, layout.n_expert};
        const TypeChoice choice = choose_type(recipe, role).value_or(TypeChoice{t.keep, t.keep});
        if ((choice.type != t.keep || t.bytes.empty()) && !t.readable)
            throw Error(ErrorCode::unsupported, src.name() + ": tensor '" + t.name + "' is " +
                                                    std::string(ggml_type_name(t.from)) + ", which hearth cannot decode");
        types.push_back(choice);
        // Validated here, before the output is created: a mismatched imatrix writes nothing.
        importance.push_back(imatrix && choice.type != t.keep && uses_importance(choice.type)
                                 ? tensor_importance(*imatrix, t.name, t.ne)
                                 : std::vector<std::vector<float>>{});
        w.add_tensor(t.name, choice.type, t.ne);
    }

    uint64_t total_in = 0, done_in = 0;
    for (const SourceTensor& t : tensors) total_in += t.bytes_in;
    ThreadPool pool(threads);
    w.write(out, [&](size_t i, std::span<std::byte> dst) {
        const SourceTensor& t = tensors[i];
        const GgmlType to = types[i].type;
        double rel_error = 0;
        if (to == t.keep && !t.bytes.empty()) {
            std::memcpy(dst.data(), t.bytes.data(), dst.size());
        } else {
            const kernels::TypeKernels* k_out = kernels::type_kernels(to);
            const size_t n_cols = t.ne[0];
            const size_t out_row = n_cols ? *ggml_row_bytes(to, n_cols) : 0;
            const size_t n_rows = out_row ? dst.size() / out_row : 0;
            const std::vector<std::vector<float>>& imp = importance[i];
            const size_t mat_rows = t.ne.size() >= 2 ? t.ne[1] : 1;  // rows of one matrix (one expert of a 3-D tensor)
            constexpr size_t kRowsPerChunk = 32;
            const size_t n_chunks = (n_rows + kRowsPerChunk - 1) / kRowsPerChunk;
            // Per chunk, then summed in order: the error does not depend on the thread count.
            std::vector<ErrorSums> sums(n_chunks);
            pool.parallel_for(n_chunks, [&](size_t c) {
                const size_t r0 = c * kRowsPerChunk, r1 = std::min(n_rows, r0 + kRowsPerChunk);
                std::vector<float> rows((r1 - r0) * n_cols);
                src.read_rows(i, r0, r1, rows.data());
                // Runs of rows within one matrix share that matrix's importance.
                for (size_t a = r0; a < r1;) {
                    const size_t m = a / mat_rows, b = std::min(r1, (m + 1) * mat_rows);
                    quantize_rows(to, rows.data() + (a - r0) * n_cols, dst.data() + a * out_row, b - a, n_cols,
                                  imp.empty() ? nullptr : imp[m].data());
                    a = b;
                }
                if (k_out) sums[c] = error_sums(*k_out, rows, dst.data() + r0 * out_row, out_row, n_cols);
            });
            ErrorSums total;
            for (const ErrorSums& s : sums) total += s;
            rel_error = k_out && total.reference > 0 ? std::sqrt(total.error / total.reference) : std::nan("");
        }
        if (on_tensor) {
            uint64_t n_elements = 1;
            for (uint64_t d : t.ne) n_elements *= d;
            done_in += t.bytes_in;
            TensorReport r{t.name, t.from, to, types[i].wanted, n_elements, t.bytes_in, dst.size()};
            r.rel_rms_error = rel_error;
            r.index = i;
            r.count = tensors.size();
            r.done = total_in ? static_cast<double>(done_in) / static_cast<double>(total_in) : 1.0;
            r.imatrix_used = !importance[i].empty();
            r.imatrix_missing = imatrix && to != t.keep && uses_importance(to) && !r.imatrix_used;
            on_tensor(r);
        }
    });
}

}  // namespace hearth::quant
