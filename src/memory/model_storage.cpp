// Opening model weights: mmap + MADV_WILLNEED, or read() into a page buffer (--no-mmap), and mlock.
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

#include "hearth/mapped_file.hpp"

namespace hearth {

namespace {

// Reads and locks go in steps of this size so progress moves and a TTY bar stays smooth.
constexpr size_t kStep = size_t{64} << 20;

void report(const ModelOptions& options, double fraction) {
    if (options.progress) options.progress(std::min(1.0, fraction));
}

PageBuffer read_whole_file(const std::filesystem::path& path, const ModelOptions& options) {
    const std::string name = path.string();
    const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(ErrorCode::io, name + ": cannot open: " + std::strerror(errno));
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    const off_t end = ::lseek(fd, 0, SEEK_END);
    if (end < 0) throw Error(ErrorCode::io, name + ": cannot seek: " + std::strerror(errno));
    const size_t size = static_cast<size_t>(end);
    PageBuffer buffer(size, (name + " (weights, --no-mmap)").c_str());
    size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pread(fd, buffer.data() + done, std::min(kStep, size - done), static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw Error(ErrorCode::io, name + ": read failed at offset " + std::to_string(done) + ": " +
                                           (n < 0 ? std::strerror(errno) : "unexpected end of file"));
        done += static_cast<size_t>(n);
        report(options, static_cast<double>(done) / static_cast<double>(size));
    }
    return buffer;
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

gguf::File open_model_file(const std::filesystem::path& path, const ModelOptions& options, WeightStorage& storage) {
    gguf::File file = [&] {
        if (options.use_mmap) return gguf::File::open(path);
        storage.bytes = read_whole_file(path, options);
        storage.mapped = false;
        return gguf::File::from_memory(storage.bytes.span(), path.string());
    }();
    // Start reading the weights in the background; the first forward pass then waits less.
    // (MADV_HUGEPAGE is not applied here: for file pages it needs read-only THP for file systems,
    // which few kernels enable; the anonymous buffers of the Allocator get it instead.)
    file.prefetch();
    if (options.mlock) {
        lock_weights(file, options);
        storage.locked = true;
    }
    report(options, 1.0);
    return file;
}

uint64_t resident_bytes(const gguf::File& file, const WeightStorage& storage) noexcept {
    const uint64_t data_bytes = file.bytes().size() - file.data_offset();
    if (!storage.mapped) return data_bytes;
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
