// POSIX implementation of MappedFile (mmap of the whole file, read-only, private, 2 MiB-aligned).
#include "hearth/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "hearth/error.hpp"
#include "memory/huge_pages.hpp"

namespace hearth {

namespace {

// Maps fd read-only at an address aligned to the huge page size. The kernel can map a 2 MiB page
// of the page cache only where the address and the file offset agree mod 2 MiB (offset 0 here);
// Linux 6.x aligns large file mappings by itself, older kernels do not. Reserves size + 2 MiB of
// address space, maps the file over its aligned part and returns the rest.
void* map_aligned(int fd, size_t size) {
    const size_t huge = huge_page_size();
    if (size < huge) return ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    void* reserved = ::mmap(nullptr, size + huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserved == MAP_FAILED) return ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const auto lo = reinterpret_cast<uintptr_t>(reserved);
    const uintptr_t aligned = (lo + huge - 1) / huge * huge;
    void* p = ::mmap(reinterpret_cast<void*>(aligned), size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    if (p == MAP_FAILED) {
        const int err = errno;
        ::munmap(reserved, size + huge);
        errno = err;
        return MAP_FAILED;
    }
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t tail = aligned + (size + page - 1) / page * page;
    if (aligned > lo) ::munmap(reserved, aligned - lo);
    if (lo + size + huge > tail) ::munmap(reinterpret_cast<void*>(tail), lo + size + huge - tail);
    return p;
}

}  // namespace

MappedFile::MappedFile(const std::filesystem::path& path) : path_(path.string()) {
    // O_NONBLOCK: opening a FIFO (or another special file) named as a model must not wait for a
    // writer; the S_ISREG check below then rejects it. Regular files ignore the flag.
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) throw Error(ErrorCode::io, path_ + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        throw Error(ErrorCode::io, path_ + ": cannot stat: " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(ErrorCode::io, path_ + ": not a regular file");
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
        void* p = map_aligned(fd, size_);
        if (p == MAP_FAILED) {
            int err = errno;
            ::close(fd);
            throw Error(ErrorCode::io, fmt::format("{}: cannot mmap {} bytes: {}", path_, size_, std::strerror(err)));

        }
        data_ = static_cast<const std::byte*>(p);
    }
    ::close(fd);  // the mapping keeps the file referenced
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

void MappedFile::advise_willneed(size_t offset, size_t size) const noexcept {
    if (!data_ || offset >= size_) return;
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    size_t begin = offset / page * page;
    size_t end = offset + std::min(size, size_ - offset);
    ::madvise(const_cast<std::byte*>(data_) + begin, end - begin, MADV_WILLNEED);
}

}  // namespace hearth
