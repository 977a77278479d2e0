// Opening model weights: the placement rule, then mmap + MADV_HUGEPAGE/WILLNEED or read() into a
// 2 MiB-page buffer, and mlock.
#include "memory/model_storage.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "hearth/mapped_file.hpp"
#include "kernels/decode_layout.hpp"

namespace hearth {

namespace {

// Reads and locks go in steps of this size so progress moves and a TTY bar stays smooth.
constexpr size_t kStep = size_t{64} << 20;

void report(const ModelOptions& options, double fraction) {
    if (options.progress) options.progress(std::min(1.0, fraction));
}

// Reads the file into an Allocator buffer in kStep pieces with pread: the file's pages are never
// mapped into this process, so RSS grows by the copy only (the page cache keeps its own pages,
// which the kernel may reclaim). Returns the buffer; size is the file's length.
PageBuffer read_whole_file(const std::filesystem::path& path, const ModelOptions& options, size_t& size) {
    const std::string name = path.string();
    const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(ErrorCode::io, name + ": cannot open: " + std::strerror(errno));
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    const off_t end = ::lseek(fd, 0, SEEK_END);
    if (end < 0) throw Error(ErrorCode::io, name + ": cannot seek: " + std::strerror(errno));
    size = static_cast<size_t>(end);
    PageBuffer buffer(size, (name + " (weights, copied)").c_str());
    size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pread(fd, buffer.data() + done, std::min(kStep, size - done), static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw Error(ErrorCode::io, fmt::format("{}: read failed at offset {}: {}", name, done,
                                                   n < 0 ? std::strerror(errno) : "unexpected end of file"));
        done += static_cast<size_t>(n);
        report(options, static_cast<double>(done) / static_cast<double>(size));
    }
    return buffer;
}

PlacementChoice choose_placement(const gguf::File& file, WeightStorage requested) {
    if (requested == WeightStorage::mapped) return {WeightStorage::mapped, "asked for (WeightStorage::mapped, --mmap)"};
    if (requested == WeightStorage::copied) return {WeightStorage::copied, "asked for (WeightStorage::copied, --no-mmap)"};
    if (auto mapped = placement_by_memory(file.file_size(), mem_available_bytes(), anonymous_huge_pages_enabled()))
        return *mapped;
    if (auto copied = placement_by_layout(file)) return *copied;
    const std::span<const std::byte> data = file.bytes().subspan(file.data_offset());
    return placement_by_sample(sample_huge_page_mapping(data));
}

std::string memlock_limit_text() {
    struct rlimit lim {};
    if (::getrlimit(RLIMIT_MEMLOCK, &lim) != 0) return "unknown";
    if (lim.rlim_cur == RLIM_INFINITY) return "unlimited";
    return format_bytes(lim.rlim_cur);
}

// Page-aligned [begin, end) of the tensor data section.
std::span<const std::byte> data_pages(const gguf::File& file) {
    const size_t page = host_allocator().page_size();
    const std::byte* base = file.bytes().data();
    const size_t begin = file.data_offset() / page * page;
    return {base + begin, file.bytes().size() - begin};
}

void lock_weights(const gguf::File& file, const ModelOptions& options) {
    const std::span<const std::byte> pages = data_pages(file);
    for (size_t done = 0; done < pages.size();) {
        const size_t n = std::min(kStep, pages.size() - done);
        if (::mlock(pages.data() + done, n) != 0) {
            const int err = errno;
            ::munlock(pages.data(), done);
            throw Error(ErrorCode::out_of_memory,
                        file.name() + ": --mlock refused after " + format_bytes(done) + " of " + format_bytes(pages.size()) +
                            " (" + std::strerror(err) + "; RLIMIT_MEMLOCK is " + memlock_limit_text() +
                            "): raise the limit (ulimit -l unlimited, or memlock in /etc/security/limits.conf) or run without --mlock");
        }
        done += n;
        report(options, static_cast<double>(done) / static_cast<double>(pages.size()));
    }
}

}  // namespace

const char* to_string(WeightStorage storage) noexcept {
    switch (storage) {
        case WeightStorage::automatic: return "automatic";
        case WeightStorage::mapped: return "mapped";
        case WeightStorage::copied: return "copied";
    }
    return "?";
}

std::optional<PlacementChoice> placement_by_layout(const gguf::File& file) {
    uint64_t tiled = 0, all = 0;
    for (const gguf::TensorInfo& t : file.tensors()) {
        all += t.n_bytes;
        if (t.n_dims == 2 && kernels::decode_layout_fits(t.type, t.ne[1])) tiled += t.n_bytes;
    }
    if (all == 0 || tiled * 2 < all) return std::nullopt;
    return PlacementChoice{WeightStorage::copied,
                           "automatic: copied into 2 MiB pages, so that its Q4_0/Q8_0/Q4_K/Q5_K/Q6_K matrices take the decode layout (one "
                           "token reads each 16-row tile front to back; the file's layout decodes ~1.1-1.6x slower)"};
}

std::optional<PlacementChoice> placement_by_memory(uint64_t weight_bytes, std::optional<uint64_t> available,
                                                   bool anonymous_huge_pages) {
    if (!anonymous_huge_pages)
        return PlacementChoice{WeightStorage::mapped,
                               "automatic: transparent huge pages are off, so a copy would sit on 4 KiB pages too"};
    if (available && weight_bytes > *available / 2)
        return PlacementChoice{WeightStorage::mapped, "automatic: the weights (" + format_bytes(weight_bytes) +
                                                          ") take more than half of MemAvailable (" + format_bytes(*available) +
                                                          "); the page cache can give them back under pressure, a copy could not"};
    return std::nullopt;
}

PlacementChoice placement_by_sample(std::optional<HugePageSample> sample) {
    if (!sample)
        return {WeightStorage::copied,
                "automatic: copied into 2 MiB pages; how the kernel maps the file is unknown (no FilePmdMapped in /proc/self/smaps)"};
    const std::string seen = fmt::format("{} of {} sampled 2 MiB chunks", sample->huge, sample->chunks);

    if (sample->chunks == 0)
        return {WeightStorage::mapped, "automatic: the tensor data holds no whole 2 MiB chunk, so its page size does not matter"};
    if (sample->huge * 10 >= sample->chunks * 9)
        return {WeightStorage::mapped, "automatic: the page cache already maps the file with 2 MiB pages (" + seen +
                                           "), so zero copy reads as fast as a copy"};
    return {WeightStorage::copied, "automatic: copied into 2 MiB pages; the page cache maps the file with 4 KiB pages (2 MiB in " +
                                       seen + "), which makes decoding TLB-bound"};
}

gguf::File open_model_file(const std::filesystem::path& path, const ModelOptions& options, ModelStorage& storage) {
    gguf::File file = gguf::File::open(path);  // parses the header; no weight page is read yet
    // Before any weight is read: a cold read through this mapping then brings the file into the
    // page cache as 2 MiB folios, which the kernel maps with 2 MiB pages (see huge_pages.hpp).
    advise_huge_pages(file.bytes());
    PlacementChoice choice = choose_placement(file, options.weights);
    if (choice.storage == WeightStorage::copied) {
        // Unmap the pages the header parse and the sample faulted in (up to ~40 MiB), so that peak
        // RSS is the copy alone; the page cache keeps them for the read below.
        ::madvise(const_cast<std::byte*>(file.bytes().data()), file.bytes().size(), MADV_DONTNEED);
        size_t size = 0;
        storage.bytes = read_whole_file(path, options, size);
        // Parsed again from the copy (metadata only, milliseconds); the mapping goes with the old File.
        file = gguf::File::from_memory(std::span<const std::byte>(storage.bytes.data(), size), path.string());
    } else {
        // Start reading the weights in the background; the first forward pass then waits less.
        file.prefetch();
    }
    storage.placement = choice.storage;
    storage.reason = std::move(choice.reason);
    if (options.mlock) {
        lock_weights(file, options);
        storage.locked = true;
    }
    report(options, 1.0);
    return file;
}

uint64_t resident_bytes(const gguf::File& file, const ModelStorage& storage) noexcept {
    const uint64_t data_bytes = file.bytes().size() - file.data_offset();
    if (storage.placement == WeightStorage::copied) return data_bytes;
    const size_t page = host_allocator().page_size();
    const std::span<const std::byte> pages = data_pages(file);
    uint64_t resident = 0;
    unsigned char vec[1024];  // one byte per page, in pieces: no allocation, bounded stack
    for (size_t done = 0; done < pages.size();) {
        const size_t n = std::min(pages.size() - done, sizeof vec * page);
        if (::mincore(const_cast<std::byte*>(pages.data() + done), n, vec) != 0) return 0;
        for (size_t i = 0; i < (n + page - 1) / page; ++i) resident += (vec[i] & 1) ? page : 0;
        done += n;
    }
    return std::min(resident, static_cast<uint64_t>(pages.size()));
}

}  // namespace hearth
