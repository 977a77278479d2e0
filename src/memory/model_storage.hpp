// Where a Model's weights live: the read-only mmap of the GGUF (default: zero copy, page cache
// shared between processes) or, with use_mmap = false, an Allocator buffer the file is read into;
// optionally locked in RAM.
#pragma once

#include <filesystem>

#include "hearth/gguf.hpp"
#include "hearth/hearth.hpp"

namespace hearth {

struct WeightStorage {
    PageBuffer bytes;     // the file's bytes when not mapped (must outlive the gguf::File)
    bool mapped = true;
    bool locked = false;
};

// Opens and parses path as options ask, reporting progress; fills storage. Throws Error(io) when
// the file cannot be read, Error(out_of_memory) when mlock is refused (with the limit and the fix).
gguf::File open_model_file(const std::filesystem::path& path, const ModelOptions& options, WeightStorage& storage);

// Bytes of [data, data + size) that are in RAM now (mincore on the mapping); size when not mapped.
uint64_t resident_bytes(const gguf::File& file, const WeightStorage& storage) noexcept;

}  // namespace hearth
