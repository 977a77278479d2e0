// Reader for llama.cpp's legacy binary imatrix (see legacy_imatrix.hpp). Every length is checked
// against the bytes left before it is used, so a truncated or hostile file cannot over-read or
// make a huge allocation.
#include "imatrix/legacy_imatrix.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace hearth::imatrix {
namespace {

class Cursor {
public:
    Cursor(std::vector<char> bytes, std::string name) : bytes_(std::move(bytes)), name_(std::move(name)) {}

    bool at_end() const noexcept { return pos_ == bytes_.size(); }

    int32_t i32(std::string_view what, int32_t min, int32_t max) {
        int32_t v;
        std::memcpy(&v, take(sizeof v, what), sizeof v);
        if (v < min || v > max) fail(fmt::format("{} {} is outside [{}, {}]", what, v, min, max), pos_ - sizeof v);
        return v;
    }
    std::string string(size_t n, std::string_view what) { return {take(n, what), n}; }
    std::vector<float> floats(size_t n, std::string_view what) {
        std::vector<float> v(n);
        std::memcpy(v.data(), take(n * sizeof(float), what), n * sizeof(float));
        return v;
    }
    [[noreturn]] void fail(const std::string& why, size_t at) const {
        throw Error(ErrorCode::invalid_file, fmt::format("{}: legacy imatrix: {} (offset {})", name_, why, at));
    }

private:
    const char* take(size_t n, std::string_view what) {
        if (n > bytes_.size() - pos_) fail(fmt::format("{} ({} bytes) extends past the end of the file", what, n), pos_);
        const char* p = bytes_.data() + pos_;
        pos_ += n;
        return p;
    }

    std::vector<char> bytes_;
    std::string name_;
    size_t pos_ = 0;
};

constexpr int32_t kMaxName = 1 << 12, kMaxValues = 1 << 28;

}  // namespace

Imatrix load_legacy(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::io, path.string() + ": cannot open");
    Cursor c(std::vector<char>(std::istreambuf_iterator<char>(in), {}), path.string());
    Imatrix m;
    const int32_t n_entries = c.i32("entry count", 1, 1 << 20);
    for (int32_t i = 0; i < n_entries; ++i) {
        const std::string name = c.string(size_t(c.i32("name length", 1, kMaxName)), "name");
        const int32_t ncall = c.i32("call count of '" + name + "'", 0, INT32_MAX);
        const int32_t nval = c.i32("value count of '" + name + "'", 1, kMaxValues);
        ImatrixEntry e;
        e.n_cols = size_t(nval);
        e.in_sum2 = c.floats(size_t(nval), "values of '" + name + "'");
        for (float v : e.in_sum2)
            if (!std::isfinite(v) || v < 0) c.fail(fmt::format("entry '{}' holds {}", name, v), 0);
        e.counts = {static_cast<float>(ncall)};
        if (!m.entries.emplace(name, std::move(e)).second) c.fail("entry '" + name + "' appears twice", 0);
    }
    if (!c.at_end()) m.chunk_count = static_cast<uint32_t>(c.i32("chunk count", 0, INT32_MAX));
    if (!c.at_end()) m.datasets.push_back(c.string(size_t(c.i32("dataset name length", 0, kMaxName)), "dataset name"));
    return m;
}

}  // namespace hearth::imatrix
