// Memory in hearth: one Allocator for every large buffer, the memory report of a loaded model or
// session, and the fit planner that says, before loading, whether a model and context fit in RAM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

namespace hearth {

class Model;
class Session;
struct SessionOptions;

// ---------------------------------------------------------------------------------------------
// Allocator: every large buffer (activation arena, KV cache, repacked weights, --no-mmap weights)
// comes from here, page-aligned and a whole number of pages long. That is the contract a
// unified-memory accelerator needs to wrap host memory without a copy:
//   - Apple Metal: MTLDevice newBufferWithBytesNoCopy:length:options:deallocator: requires a
//     page-aligned pointer and a length that is a multiple of the page size (16 KiB on Apple
//     silicon: an accelerator allocator reports that through page_size()).
//   - CUDA: cudaHostRegister(ptr, size, cudaHostRegisterMapped) pins and maps host memory for
//     the GPU; page-aligned whole pages avoid pinning neighbouring allocations.
//   - Vulkan VK_EXT_external_memory_host: alignment = minImportedHostPointerAlignment (a page).
// Weights mapped from the GGUF are page-aligned as a whole mapping (tensors inside it are
// GGUF-aligned), so an accelerator can import the mapping itself.
// ---------------------------------------------------------------------------------------------
class Allocator {
public:
    virtual ~Allocator() = default;
    // Granularity of allocate(): pointers are aligned to it and sizes are multiples of it.
    virtual size_t page_size() const noexcept = 0;
    // Returns zeroed memory of round_up(bytes, page_size()) bytes (at least one page).
    // Throws Error(out_of_memory) with `what` and the size in the message when refused.
    virtual std::span<std::byte> allocate(size_t bytes, const char* what) = 0;
    virtual void deallocate(std::span<std::byte> block) noexcept = 0;
    // Bytes currently handed out (what the memory report counts as buffers of this allocator).
    virtual size_t live_bytes() const noexcept = 0;
};

// The process-wide host allocator: anonymous mmap, committed at once (so a buffer that does not
// fit fails at session creation, not in the middle of a generation), MADV_HUGEPAGE on large blocks.
Allocator& host_allocator() noexcept;

// round_up(bytes, page) with page a power of two; bytes == 0 gives one page.
size_t round_to_pages(size_t bytes, size_t page) noexcept;

// A move-only owner of one Allocator block.
class PageBuffer {
public:
    PageBuffer() = default;
    PageBuffer(size_t bytes, const char* what, Allocator& allocator = host_allocator());
    PageBuffer(PageBuffer&& other) noexcept;
    PageBuffer& operator=(PageBuffer&& other) noexcept;
    PageBuffer(const PageBuffer&) = delete;
    PageBuffer& operator=(const PageBuffer&) = delete;
    ~PageBuffer();

    std::byte* data() noexcept { return block_.data(); }
    const std::byte* data() const noexcept { return block_.data(); }
    size_t size() const noexcept { return block_.size(); }
    std::span<std::byte> span() noexcept { return block_; }

private:
    std::span<std::byte> block_;
    Allocator* allocator_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// KV cache element type. F16 is llama.cpp's default (and what the golden tests match); Q8_0
// halves it again (34 bytes per 32 values) at a small, measured quality cost.
// ---------------------------------------------------------------------------------------------
enum class KvType { f16, q8_0 };
const char* to_string(KvType type) noexcept;
// "f16" / "q8_0"; nullopt for anything else.
std::optional<KvType> parse_kv_type(std::string_view name) noexcept;

// ---------------------------------------------------------------------------------------------
// Where a model's weights live while it runs. Decoding reads every weight once per token, so the
// page size under them matters: read through 4 KiB pages a core gets ~9-12 GB/s in a VM (a TLB
// miss, and a nested page walk, per 4 KiB), through 2 MiB pages ~15-16 GB/s (1B Q4_0 decode at
// one thread: 14 vs 21 tokens/s).
//   mapped:    zero copy, read in place from the mmap of the file (page cache shared between
//              processes). The kernel maps 2 MiB pages only where the page cache holds the file in
//              2 MiB folios: true after a cold read through hearth's mapping (Linux 6.x, ext4/xfs),
//              not while the pages the file was written with (a download, quantize, synth) are
//              cached; then decoding is TLB-bound. Without CONFIG_READ_ONLY_THP_FOR_FS (most
//              distribution kernels) MADV_COLLAPSE cannot fix that for a regular file (EINVAL).
//   copied:    the file is read into Allocator memory on 2 MiB pages (anonymous, counted in RSS,
//              not reclaimable); the page cache keeps its own copy until the kernel needs it.
//   automatic: mapped when the page cache already maps the weights in 2 MiB pages, when
//              transparent huge pages are off, or when the weights exceed half of MemAvailable
//              (then the reclaimable page cache is the better home); copied otherwise.
// ---------------------------------------------------------------------------------------------
enum class WeightStorage { automatic, mapped, copied };
const char* to_string(WeightStorage storage) noexcept;

// ---------------------------------------------------------------------------------------------
// Memory report of a loaded model (weights only) or a session (weights + its buffers).
// ---------------------------------------------------------------------------------------------
struct MemoryReport {
    uint64_t weights_bytes = 0;     // tensor data the model uses (mapped or copied)
    uint64_t weights_resident = 0;  // of those, pages in RAM now (mincore); all of them when copied
    WeightStorage weights_storage = WeightStorage::mapped;  // mapped or copied (never automatic)
    std::string weights_storage_reason;  // why: what was asked and, for automatic, what decided
    bool weights_locked = false;    // --mlock succeeded
    uint64_t weights_read_per_token = 0;  // of the weights, bytes one decoded token reads: all but the
                                    // embedding table (one row of it) and, for a mixture of experts,
                                    // the experts the token does not use (e.g. 8 of 128 are read)
    uint64_t weights_decode_tiles = 0;  // of the weights, bytes rearranged in place into the decode layout
                                    // of Q4_0/Q8_0/Q4_K/Q5_K/Q6_K (copied weights, CPU levels that read it; no extra memory)
    uint64_t file_bytes = 0;        // the whole GGUF (header, metadata and tensor data)
    uint64_t repacked_bytes = 0;    // weights in another layout: the per-thread panels prompt GEMMs repack
                                    // slices of rows into, and the rows batches get back from the decode
                                    // layout (< 1 MiB per thread; no whole-matrix copies)
    uint64_t kv_cache_bytes = 0;    // session: keys and values for n_ctx tokens
    uint64_t activation_bytes = 0;  // session: the planned forward-pass arena
    size_t n_ctx = 0;               // session: context length (0 for a model report)
    KvType kv_type = KvType::f16;
    size_t kv_window_layers = 0;    // session: sliding-window layers whose cache is bounded ...
    size_t kv_window_rows = 0;      // ... to this many positions (window - 1 + n_batch) instead of n_ctx

    // weights + repacked + KV + activations: the bytes the engine itself is responsible for.
    uint64_t total() const noexcept { return weights_bytes + repacked_bytes + kv_cache_bytes + activation_bytes; }
};

// The same as Model::memory_report() and Session::memory_report().
MemoryReport memory_report(const Model& model);
MemoryReport memory_report(const Session& session);
// A few aligned lines ("weights      770.3 MiB mapped, 770.3 MiB resident" ...) for people.
std::string format_memory_report(const MemoryReport& report);

// ---------------------------------------------------------------------------------------------
// Fit planner: bytes a run of a GGUF file at a context length needs, computed from the file's
// header and tensor table only (no weight page is read), with the same planning functions the
// Session uses to size its KV cache and activation arena.
// ---------------------------------------------------------------------------------------------
struct FitPlan {
    uint64_t weights_bytes = 0;     // the whole file: it is mapped or copied as one piece (RSS either way)
    uint64_t weights_read_per_token = 0;  // of those, what one decoded token reads (see MemoryReport)
    uint64_t kv_cache_bytes = 0;
    uint64_t activation_bytes = 0;
    uint64_t overhead_bytes = 0;    // tokenizer tables, thread stacks, code: estimated
    uint64_t available_bytes = 0;   // MemAvailable (or what the caller passed)
    size_t n_ctx = 0;               // resolved context (0 in the options = the Session default)
    size_t n_batch = 0;
    KvType kv_type = KvType::f16;
    std::string advice;             // "fits; 3.1 GiB free after load" or what to change
    // What WeightStorage::automatic will choose from the sizes alone, and why. The loader also
    // maps (instead of copying) when the page cache already holds the file in 2 MiB pages, which
    // only sampling the mapping can tell: the planner reads no weight page.
    WeightStorage weights_storage = WeightStorage::mapped;
    std::string weights_storage_reason;

    uint64_t needed() const noexcept { return weights_bytes + kv_cache_bytes + activation_bytes + overhead_bytes; }
    bool fits() const noexcept { return needed() <= available_bytes; }
};

// Plans path at options.n_ctx / n_batch / kv_type against available bytes (MemAvailable of
// /proc/meminfo when nullopt). Throws Error like Model::load for a file hearth cannot run.
FitPlan plan_fit(const std::filesystem::path& path, const SessionOptions& options,
                 std::optional<uint64_t> available = std::nullopt);

// MemAvailable from /proc/meminfo in bytes; nullopt where the OS does not say. The environment
// variable HEARTH_MEM_AVAILABLE (bytes) overrides it: for containers whose limit /proc does not
// show, and for trying the planner's advice as if on a smaller machine.
std::optional<uint64_t> mem_available_bytes() noexcept;

// "1.5 GiB", "512.0 MiB", "12.0 KiB", "100 B".
std::string format_bytes(uint64_t bytes);

}  // namespace hearth
