// Whole-model quantization (see hearth/quantize.hpp): decode rows with the kernels' dequantizers,
// re-encode with quantize_rows, in parallel chunks of rows, one tensor in memory at a time.
#include "hearth/quantize.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "hearth/error.hpp"
#include "hearth/gguf_writer.hpp"
#include "hearth/imatrix.hpp"
#include "kernels/kernels.hpp"
#include "quantize/mix.hpp"
#include "quantize/quantize.hpp"
#include "quantize/tensor_importance.hpp"
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

void quantize_model(const gguf::File& in, const Recipe& recipe, const std::filesystem::path& out, size_t threads,
                    const std::function<void(const TensorReport&)>& on_tensor, const Imatrix* imatrix) {
    gguf::Writer w(static_cast<uint32_t>(in.alignment()));
    for (const gguf::MetadataEntry& e : in.metadata()) {
        if (e.key == "general.alignment" || e.key == "general.file_type" || e.key == "general.quantization_version") continue;
        w.add_value(e.key, e.value);
    }
    w.add_u32("general.file_type", file_type_id(recipe));
    w.add_u32("general.quantization_version", 2);

    const std::string arch(in.get_string_opt("general.architecture").value_or(""));
    const size_t n_layer = in.get_uint_opt(arch + ".block_count").value_or(0);
    const size_t n_head = in.get_uint_opt(arch + ".attention.head_count").value_or(1);
    const size_t n_head_kv = in.get_uint_opt(arch + ".attention.head_count_kv").value_or(n_head);
    const size_t n_expert = in.get_uint_opt(arch + ".expert_count").value_or(0);
    const bool tied = in.find_tensor("output.weight") == nullptr;
    std::vector<TypeChoice> types;
    std::vector<std::vector<std::vector<float>>> importance;  // [tensor][matrix][column], empty: unweighted
    for (const gguf::TensorInfo& t : in.tensors()) {
        const TensorRole role{t.name, t.n_dims, t.ne[0], n_layer, tied, n_head_kv ? n_head / n_head_kv : 1, n_expert};
        const TypeChoice choice = choose_type(recipe, role).value_or(TypeChoice{t.type, t.type});
        const GgmlType to = choice.type;
        if (to != t.type && !kernels::type_kernels(t.type))
            throw Error(ErrorCode::unsupported, in.name() + ": tensor '" + std::string(t.name) + "' is " +
                                                    std::string(ggml_type_name(t.type)) + ", which hearth cannot decode");
        types.push_back(choice);
        // Validated here, before the output is created: a mismatched imatrix writes nothing.
        importance.push_back(imatrix && to != t.type && uses_importance(to) ? tensor_importance(*imatrix, t)
                                                                             : std::vector<std::vector<float>>{});
        std::vector<uint64_t> ne(t.ne.begin(), t.ne.begin() + std::max<uint32_t>(t.n_dims, 1));
        w.add_tensor(t.name, to, ne);
    }

    ThreadPool pool(threads);
    w.write(out, [&](size_t i, std::span<std::byte> dst) {
        const gguf::TensorInfo& t = in.tensors()[i];
        const GgmlType to = types[i].type;
        double rel_error = 0;
        if (to == t.type) {
            std::memcpy(dst.data(), t.data, t.n_bytes);
        } else {
            const kernels::TypeKernels* k = kernels::type_kernels(t.type);
            const kernels::TypeKernels* k_out = kernels::type_kernels(to);
            const size_t n_cols = t.ne[0], n_rows = t.rows();
            const size_t in_row = *ggml_row_bytes(t.type, n_cols), out_row = *ggml_row_bytes(to, n_cols);
            const std::vector<std::vector<float>>& imp = importance[i];
            const size_t mat_rows = t.ne[1];  // rows of one matrix (one expert of a 3-D tensor)
            constexpr size_t kRowsPerChunk = 32;
            const size_t n_chunks = (n_rows + kRowsPerChunk - 1) / kRowsPerChunk;
            // Per chunk, then summed in order: the error does not depend on the thread count.
            std::vector<ErrorSums> sums(n_chunks);
            pool.parallel_for(n_chunks, [&](size_t c) {
                const size_t r0 = c * kRowsPerChunk, r1 = std::min(n_rows, r0 + kRowsPerChunk);
                std::vector<float> rows((r1 - r0) * n_cols);
                for (size_t r = r0; r < r1; ++r) k->dequantize_row(t.data + r * in_row, rows.data() + (r - r0) * n_cols, n_cols);
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
            TensorReport r{t.name, t.type, to, types[i].wanted, t.n_elements, t.n_bytes, dst.size(), rel_error};
            r.imatrix_used = !importance[i].empty();
            r.imatrix_missing = imatrix && to != t.type && uses_importance(to) && !r.imatrix_used;
            on_tensor(r);
        }
    });
}

}  // namespace hearth::quant
