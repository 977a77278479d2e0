// Page-aligned allocation for session buffers.
#include "memory/aligned_buffer.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "hearth/error.hpp"

namespace hearth {

namespace {
size_t page_size() noexcept {
    const long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? static_cast<size_t>(p) : 4096;
}
}  // namespace

void AlignedBuffer::Free::operator()(std::byte* p) const noexcept { std::free(p); }

AlignedBuffer::AlignedBuffer(size_t bytes, const char* what) {
    const size_t page = page_size();
    if (bytes == 0) bytes = 1;
    if (bytes > (size_t{1} << 46))
        throw Error(ErrorCode::out_of_memory, std::string(what) + ": " + std::to_string(bytes) + " bytes is too large");
    const size_t rounded = (bytes + page - 1) / page * page;
    void* p = std::aligned_alloc(page, rounded);
    if (!p)
        throw Error(ErrorCode::out_of_memory,
                    std::string(what) + ": could not allocate " + std::to_string(rounded) + " bytes");
    std::memset(p, 0, rounded);
    data_.reset(static_cast<std::byte*>(p));
    size_ = rounded;
}

}  // namespace hearth
