// Safetensors format: u64 little-endian header length N, N bytes of JSON
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}, then the data
// region the offsets are relative to.
#include "convert/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hearth/error.hpp"

namespace hearth::convert {
namespace {

// Far above any real header (a 400-tensor shard's is ~50 KB), far below what would hurt to parse.
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

[[noreturn]] void bad(const std::string& file, const std::string& what) {
    throw Error(ErrorCode::invalid_file, file + ": " + what);
}

std::optional<GgmlType> float_type(std::string_view dtype) {
    if (dtype == "F32") return GgmlType::f32;
    if (dtype == "F16") return GgmlType::f16;
    if (dtype == "BF16") return GgmlType::bf16;
    return std::nullopt;
}

uint64_t u64_field(const std::string& file, const std::string& tensor, const char* field, const nlohmann::json& v) {
    if (!v.is_number_unsigned()) bad(file, fmt::format("tensor '{}': {} must hold non-negative integers", tensor, field));
    return v.get<uint64_t>();
}

StTensor parse_entry(const std::string& file, const std::string& name, const nlohmann::json& e, uint64_t data_size,
                     const std::byte* data) {
    if (!e.is_object()) bad(file, fmt::format("tensor '{}': header entry is not an object", name));
    const auto dtype = e.find("dtype"), shape = e.find("shape"), offsets = e.find("data_offsets");
    if (dtype == e.end() || !dtype->is_string()) bad(file, fmt::format("tensor '{}': 'dtype' is missing or not a string", name));
    if (shape == e.end() || !shape->is_array()) bad(file, fmt::format("tensor '{}': 'shape' is missing or not an array", name));
    if (offsets == e.end() || !offsets->is_array() || offsets->size() != 2)
        bad(file, fmt::format("tensor '{}': 'data_offsets' must be [begin, end]", name));
    const std::string type_name = dtype->get<std::string>();
    const auto type = float_type(type_name);
    if (!type)
        throw Error(ErrorCode::unsupported, fmt::format("{}: tensor '{}' has dtype {}; hearth converts F32, F16 and BF16 weights",
                                                        file, name, type_name));
    StTensor t{name, *type, {}, {}, file};
    if (shape->size() > 4) bad(file, fmt::format("tensor '{}': {} dimensions (at most 4)", name, shape->size()));
    uint64_t n = 1;
    for (const nlohmann::json& d : *shape) {
        const uint64_t dim = u64_field(file, name, "shape", d);
        if (dim != 0 && n > std::numeric_limits<uint64_t>::max() / 8 / dim)
            bad(file, fmt::format("tensor '{}': shape is too large", name));
        n *= dim;
        t.shape.push_back(dim);
    }
    const uint64_t begin = u64_field(file, name, "data_offsets", (*offsets)[0]);
    const uint64_t end = u64_field(file, name, "data_offsets", (*offsets)[1]);
    if (begin > end || end > data_size)
        bad(file, fmt::format("tensor '{}': data_offsets [{}, {}] lie outside the {}-byte data region", name, begin, end, data_size));
    const uint64_t want = n * ggml_type_info(*type).block_bytes;
    if (end - begin != want)
        bad(file, fmt::format("tensor '{}': {} bytes at [{}, {}] but shape [{}] of {} needs {}", name, end - begin, begin, end,
                              fmt::join(t.shape, ", "), type_name, want));
    t.data = {data + begin, static_cast<size_t>(end - begin)};
    return t;
}

}  // namespace

uint64_t StTensor::n_elements() const noexcept {
    uint64_t n = 1;
    for (uint64_t d : shape) n *= d;
    return n;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : map_(std::make_unique<MappedFile>(path)) {
    const std::string file = path.string();
    const std::span<const std::byte> bytes = map_->bytes();
    if (bytes.size() < 8) bad(file, fmt::format("truncated: {} bytes, the header length alone needs 8", bytes.size()));
    uint64_t n_header = 0;
    std::memcpy(&n_header, bytes.data(), 8);
    if (n_header > bytes.size() - 8 || n_header > kMaxHeaderBytes)
        bad(file, fmt::format("header length {} runs past the end of the file ({} bytes)", n_header, bytes.size()));
    const char* text = reinterpret_cast<const char*>(bytes.data() + 8);
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(text, text + n_header);
    } catch (const nlohmann::json::exception& e) {
        bad(file, std::string("header is not valid JSON: ") + e.what());
    }
    if (!header.is_object()) bad(file, "header is not a JSON object");
    const std::byte* data = bytes.data() + 8 + n_header;
    const uint64_t data_size = bytes.size() - 8 - n_header;
    for (const auto& [name, entry] : header.items())
        if (name != "__metadata__") tensors_.push_back(parse_entry(file, name, entry, data_size, data));

    // Two tensors sharing bytes would let one's conversion corrupt the other's meaning.
    std::vector<const StTensor*> by_offset;
    for (const StTensor& t : tensors_) by_offset.push_back(&t);
    std::sort(by_offset.begin(), by_offset.end(), [](const StTensor* a, const StTensor* b) { return a->data.data() < b->data.data(); });
    for (size_t i = 1; i < by_offset.size(); ++i) {
        const StTensor &a = *by_offset[i - 1], &b = *by_offset[i];
        if (a.data.data() + a.data.size() > b.data.data())
            bad(file, fmt::format("tensors '{}' and '{}' overlap", a.name, b.name));
    }
}

Checkpoint::Checkpoint(const std::filesystem::path& dir) {
    const std::filesystem::path index_path = dir / "model.safetensors.index.json";
    std::vector<std::string> shards;
    nlohmann::json weight_map;
    if (std::filesystem::exists(index_path)) {
        std::ifstream in(index_path);
        nlohmann::json index = nlohmann::json::parse(in, nullptr, false);
        if (index.is_discarded() || !index.is_object()) bad(index_path.string(), "is not valid JSON");
        weight_map = index.value("weight_map", nlohmann::json());
        if (!weight_map.is_object()) bad(index_path.string(), "'weight_map' is missing or not an object");
        for (const auto& [tensor, shard] : weight_map.items()) {
            if (!shard.is_string() || shard.get<std::string>().find('/') != std::string::npos)
                bad(index_path.string(), fmt::format("weight_map['{}'] is not a file name", tensor));
            const std::string file = shard.get<std::string>();
            if (std::find(shards.begin(), shards.end(), file) == shards.end()) shards.push_back(file);
        }
    } else if (std::filesystem::exists(dir / "model.safetensors")) {
        shards.push_back("model.safetensors");
    } else {
        throw Error(ErrorCode::io, dir.string() + ": no model.safetensors or model.safetensors.index.json (hearth converts safetensors checkpoints)");
    }
    for (const std::string& shard : shards) {
        const std::filesystem::path p = dir / shard;
        if (!std::filesystem::exists(p))
            throw Error(ErrorCode::io, fmt::format("{}: shard '{}' named in model.safetensors.index.json is missing", dir.string(), shard));
        files_.push_back(std::make_unique<SafetensorsFile>(p));
        for (const StTensor& t : files_.back()->tensors()) {
            if (!by_name_.emplace(t.name, &t).second)
                bad(p.string(), fmt::format("tensor '{}' is also in {}", t.name, by_name_[t.name]->file));
            if (!weight_map.is_null() && weight_map.value(t.name, "") != shard)
                bad(index_path.string(), fmt::format("tensor '{}' is in {}, not where weight_map says", t.name, shard));
        }
    }
    if (!weight_map.is_null())
        for (const auto& [tensor, shard] : weight_map.items())
            if (!by_name_.count(tensor))
                bad(index_path.string(), fmt::format("tensor '{}' is not in its shard {}", tensor, shard.get<std::string>()));
}

const StTensor* Checkpoint::find(const std::string& name) const {
    const auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
}

}  // namespace hearth::convert
