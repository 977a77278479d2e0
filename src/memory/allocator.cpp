// The host Allocator (anonymous mmap, committed up front) and PageBuffer, the owner of one block.
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "hearth/error.hpp"
#include "hearth/memory.hpp"

namespace hearth {

namespace {

// Blocks at least this large get MADV_HUGEPAGE: a 2 MiB page covers what 512 small pages do, so
// the attention loop over a long KV cache takes far fewer TLB misses. Smaller blocks would waste
// most of a huge page.
constexpr size_t kHugePageHint = size_t{4} << 20;

// Blocks this large are checked against MemAvailable before they are committed.
constexpr size_t kCheckAvailable = size_t{64} << 20;

// A buffer larger than this cannot be meant (the address space of current CPUs is 2^47-2^52).
constexpr size_t kMaxBlock = size_t{1} << 46;

class HostAllocator final : public Allocator {
public:
    HostAllocator() {
        const long p = ::sysconf(_SC_PAGESIZE);
        page_ = p > 0 ? static_cast<size_t>(p) : 4096;
    }

    size_t page_size() const noexcept override { return page_; }

    std::span<std::byte> allocate(size_t bytes, const char* what) override {
        if (bytes > kMaxBlock)
            throw Error(ErrorCode::out_of_memory, fmt::format("{}: {} bytes is too large", what, bytes));

        const size_t size = round_to_pages(bytes, page_);
        // Committing more than the OS can give gets the process OOM-killed (Linux overcommits, so
        // mmap itself rarely fails): refuse large blocks up front with a message instead.
        if (size >= kCheckAvailable) {
            const auto available = mem_available_bytes();
            if (available && size > *available)
                throw Error(ErrorCode::out_of_memory, std::string(what) + ": needs " + format_bytes(size) + " but only " +
                                                          format_bytes(*available) + " is available (MemAvailable)");
        }
        void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            throw Error(ErrorCode::out_of_memory, std::string(what) + ": could not allocate " + format_bytes(size) + " (" +
                                                      std::strerror(errno) + ")");
#ifdef MADV_HUGEPAGE
        if (size >= kHugePageHint) ::madvise(p, size, MADV_HUGEPAGE);  // before the first touch
#endif
        // Commit every page now: the memory the plan promised is really there before the first
        // token, and RSS equals the plan instead of creeping up as the context fills (llama.cpp
        // clears its KV buffer at creation for the same effect). The pages are already zero.
        auto* bytes_ = static_cast<volatile std::byte*>(p);
        for (size_t off = 0; off < size; off += page_) bytes_[off] = std::byte{0};
        live_.fetch_add(size, std::memory_order_relaxed);
        return {static_cast<std::byte*>(p), size};
    }

    void deallocate(std::span<std::byte> block) noexcept override {
        if (block.empty()) return;
        ::munmap(block.data(), block.size());
        live_.fetch_sub(block.size(), std::memory_order_relaxed);
    }

    size_t live_bytes() const noexcept override { return live_.load(std::memory_order_relaxed); }

private:
    size_t page_ = 4096;
    std::atomic<size_t> live_{0};
};

}  // namespace

Allocator& host_allocator() noexcept {
    static HostAllocator allocator;
    return allocator;
}

size_t round_to_pages(size_t bytes, size_t page) noexcept {
    if (bytes == 0) return page;
    return (bytes + page - 1) & ~(page - 1);
}

PageBuffer::PageBuffer(size_t bytes, const char* what, Allocator& allocator)
    : block_(allocator.allocate(bytes, what)), allocator_(&allocator) {}

PageBuffer::PageBuffer(PageBuffer&& other) noexcept : block_(other.block_), allocator_(other.allocator_) {
    other.block_ = {};
    other.allocator_ = nullptr;
}

PageBuffer& PageBuffer::operator=(PageBuffer&& other) noexcept {
    if (this != &other) {
        if (allocator_) allocator_->deallocate(block_);
        block_ = other.block_;
        allocator_ = other.allocator_;
        other.block_ = {};
        other.allocator_ = nullptr;
    }
    return *this;
}

PageBuffer::~PageBuffer() {
    if (allocator_) allocator_->deallocate(block_);
}

}  // namespace hearth
