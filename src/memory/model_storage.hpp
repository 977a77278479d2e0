// Where a Model's weights live: the read-only mmap of the GGUF (zero copy, page cache shared
// between processes) or an Allocator buffer on 2 MiB pages the file is read into; the automatic
// rule that picks one (memory.hpp says why), and optional locking in RAM.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "hearth/gguf.hpp"
#include "hearth/hearth.hpp"
#include "memory/huge_pages.hpp"

namespace hearth {

struct ModelStorage {
    PageBuffer bytes;  // the file's bytes when copied (must outlive the gguf::File that views them)
    WeightStorage placement = WeightStorage::mapped;  // mapped or copied
    std::string reason;                               // why (for the memory report)
    bool locked = false;
};

struct PlacementChoice {
    WeightStorage storage = WeightStorage::mapped;  // mapped or copied
    std::string reason;
};

// The automatic rule from sizes alone. A copy is anonymous memory the kernel cannot reclaim, so
// it is made only when the weights take at most half of MemAvailable: the other half stays for
// the session (KV cache, activations) and everything else on the machine, and the page cache
// copy of the file, which MemAvailable counts, is still given back under pressure. Returns the
// mapped choice with its reason, or nullopt when a copy fits (unknown MemAvailable: it fits).
std::optional<PlacementChoice> placement_by_memory(uint64_t weight_bytes, std::optional<uint64_t> available,
                                                   bool anonymous_huge_pages);

// The automatic rule once the copy fits: mapped when the kernel maps at least 90% of the sampled
// chunks with 2 MiB pages (or the file has no whole chunk), copied otherwise or when unknown.
PlacementChoice placement_by_sample(std::optional<HugePageSample> sample);

// The automatic rule once the copy fits, before the sample: copied when most of the file's bytes
// are Q4_0 matrices whose rows come in sixteens and this CPU level reads the Q4_0 decode layout
// (kernels/decode_layout.hpp), which only the model's own copy can take; nullopt otherwise.
std::optional<PlacementChoice> placement_by_layout(const gguf::File& file);

// Opens and parses path as options ask, reporting progress; fills storage. Throws Error(io) when
// the file cannot be read, Error(out_of_memory) when the copy or mlock is refused.
gguf::File open_model_file(const std::filesystem::path& path, const ModelOptions& options, ModelStorage& storage);

// Bytes of [data, data + size) that are in RAM now (mincore on the mapping); size when copied.
uint64_t resident_bytes(const gguf::File& file, const ModelStorage& storage) noexcept;

}  // namespace hearth
