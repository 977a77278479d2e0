// Imatrix in llama.cpp's GGUF format: general.type = "imatrix", imatrix.datasets / chunk_count /
// chunk_size, and per weight `<name>.in_sum2` (F32, ne = [n_cols, n_mat]) with `<name>.counts`
// (F32, ne = [1, n_mat]). Every shape and value is checked on load (counts and sums must be
// finite and non-negative) so a damaged file is refused with the entry named, not used.
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "hearth/gguf_writer.hpp"
#include "hearth/imatrix.hpp"
#include "imatrix/legacy_imatrix.hpp"

namespace hearth {
namespace {

constexpr std::string_view kSum2Suffix = ".in_sum2", kCountsSuffix = ".counts", kSumSuffix = ".in_sum";

std::span<const std::byte> float_bytes(const std::vector<float>& v) { return std::as_bytes(std::span(v)); }

// The tensor's floats, after checking it is F32 of the expected shape and holds no negative or
// non-finite value.
std::vector<float> read_floats(const gguf::File& f, const gguf::TensorInfo& t, uint64_t ne0, uint64_t ne1) {
    if (t.type != GgmlType::f32 || t.n_dims > 2 || t.ne[0] != ne0 || t.ne[1] != ne1)
        throw Error(ErrorCode::invalid_file, fmt::format("{}: imatrix tensor '{}' is {} [{}, {}], expected f32 [{}, {}]", f.name(),
                                                         t.name, ggml_type_name(t.type), t.ne[0], t.ne[1], ne0, ne1));
    std::vector<float> v(ne0 * ne1);
    std::memcpy(v.data(), t.data, v.size() * sizeof(float));
    for (float x : v)
        if (!std::isfinite(x) || x < 0)
            throw Error(ErrorCode::invalid_file, fmt::format("{}: imatrix tensor '{}' holds {}", f.name(), t.name, x));
    return v;
}

Imatrix load_gguf(const std::filesystem::path& path) {
    const gguf::File f = gguf::File::open(path);
    if (auto type = f.get_string_opt("general.type"); type && *type != "imatrix")
        throw Error(ErrorCode::invalid_file, fmt::format("{}: general.type is '{}', not an imatrix", f.name(), *type));
    Imatrix m;
    if (const gguf::Value* d = f.find("imatrix.datasets"); d && d->type() == gguf::ValueType::array)
        m.datasets.assign(d->strings().begin(), d->strings().end());
    m.chunk_count = static_cast<uint32_t>(f.get_uint_opt("imatrix.chunk_count").value_or(0));
    m.chunk_size = static_cast<uint32_t>(f.get_uint_opt("imatrix.chunk_size").value_or(0));
    for (const gguf::TensorInfo& t : f.tensors()) {
        if (t.name.ends_with(kSumSuffix)) continue;  // the mean activation newer llama.cpp adds: not needed
        const bool is_sum2 = t.name.ends_with(kSum2Suffix);
        const std::string_view suffix = is_sum2 ? kSum2Suffix : kCountsSuffix;
        if (!is_sum2 && !t.name.ends_with(kCountsSuffix))
            throw Error(ErrorCode::invalid_file, fmt::format("{}: tensor '{}' is not an imatrix tensor (.in_sum2 or .counts)",
                                                             f.name(), t.name));
        const std::string name(t.name.substr(0, t.name.size() - suffix.size()));
        const gguf::TensorInfo* partner = f.find_tensor(name + std::string(is_sum2 ? kCountsSuffix : kSum2Suffix));
        if (!partner)
            throw Error(ErrorCode::invalid_file, fmt::format("{}: imatrix entry '{}' has {} but no {}", f.name(), name, suffix,
                                                             is_sum2 ? kCountsSuffix : kSum2Suffix));
        if (!is_sum2) continue;  // read with its .in_sum2
        ImatrixEntry e;
        e.n_cols = t.ne[0];
        e.n_mat = t.ne[1];
        e.in_sum2 = read_floats(f, t, e.n_cols, e.n_mat);
        e.counts = read_floats(f, *partner, 1, e.n_mat);
        m.entries.emplace(name, std::move(e));
    }
    if (m.entries.empty()) throw Error(ErrorCode::invalid_file, f.name() + ": the imatrix has no entries");
    return m;
}

bool starts_with_gguf_magic(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::io, path.string() + ": cannot open");
    char magic[4] = {};
    in.read(magic, 4);
    return in.gcount() == 4 && std::memcmp(magic, "GGUF", 4) == 0;
}

}  // namespace

std::vector<float> ImatrixEntry::importance(size_t m) const {
    std::vector<float> v(n_cols, 1.0f);
    if (m < counts.size() && counts[m] > 0)
        for (size_t j = 0; j < n_cols; ++j) v[j] = in_sum2[m * n_cols + j] / counts[m];
    return v;
}

const ImatrixEntry* Imatrix::find(std::string_view weight_name) const noexcept {
    auto it = entries.find(weight_name);
    return it == entries.end() ? nullptr : &it->second;
}

void Imatrix::save(const std::filesystem::path& path) const {
    gguf::Writer w;
    w.add_string("general.type", "imatrix");
    w.add_string_array("imatrix.datasets", datasets);
    w.add_u32("imatrix.chunk_count", chunk_count);
    w.add_u32("imatrix.chunk_size", chunk_size);
    for (const auto& [name, e] : entries) {  // std::map: sorted names, as llama.cpp writes them
        const uint64_t sum2_ne[] = {e.n_cols, e.n_mat}, counts_ne[] = {1, e.n_mat};
        w.add_tensor(name + std::string(kSum2Suffix), GgmlType::f32, sum2_ne, float_bytes(e.in_sum2));
        w.add_tensor(name + std::string(kCountsSuffix), GgmlType::f32, counts_ne, float_bytes(e.counts));
    }
    w.write(path);
}

Imatrix Imatrix::load(const std::filesystem::path& path) {
    return starts_with_gguf_magic(path) ? load_gguf(path) : imatrix::load_legacy(path);
}

}  // namespace hearth
