// Test helper: a copy of a GGUF file with some metadata keys or tensors replaced or dropped.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "hearth/gguf.hpp"
#include "hearth/gguf_writer.hpp"

namespace hearth::test {

// Rewrites `src` into a temporary file, letting edit_key / edit_tensor replace or drop entries.
struct Rewrite {
    std::function<bool(std::string_view key, gguf::Writer& w)> key;                    // true = handled
    std::function<bool(const gguf::TensorInfo& t, const gguf::File& f, gguf::Writer& w)> tensor;
};

inline std::filesystem::path rewrite(const std::filesystem::path& src, const std::string& out_name, const Rewrite& edit) {
    const gguf::File f = gguf::File::open(src);
    gguf::Writer w;
    for (const gguf::MetadataEntry& e : f.metadata())
        if (!(edit.key && edit.key(e.key, w))) w.add_value(e.key, e.value);
    for (const gguf::TensorInfo& t : f.tensors()) {
        if (edit.tensor && edit.tensor(t, f, w)) continue;
        w.add_tensor(t.name, t.type, std::span<const uint64_t>(t.ne.data(), t.n_dims), t.bytes());
    }
    const auto out = std::filesystem::path(::testing::TempDir()) / out_name;
    w.write(out);
    return out;
}

}  // namespace hearth::test
