// Huge-page probes for the weight placement: sysfs THP settings, MADV_HUGEPAGE, and FilePmdMapped
// from /proc/self/smaps around a sampled populate.
#include "memory/huge_pages.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace hearth {

namespace {

constexpr size_t kDefaultHugePage = size_t{2} << 20;

#ifndef MADV_POPULATE_READ
constexpr int MADV_POPULATE_READ = 22;  // Linux 5.14; older headers lack the name
#endif

// First line of a small sysfs file into buf; false when it cannot be read.
bool read_line(const char* path, char* buf, size_t size) noexcept {
    FILE* f = std::fopen(path, "r");
    if (!f) return false;
    const bool ok = std::fgets(buf, static_cast<int>(size), f) != nullptr;
    std::fclose(f);
    return ok;
}

// Sum of FilePmdMapped (bytes) over the mappings that overlap [lo, hi); nullopt when smaps is
// unreadable or has no such field (kernels before 4.8). Fixed buffers: no allocation.
std::optional<uint64_t> file_pmd_mapped(uintptr_t lo, uintptr_t hi) noexcept {
    FILE* f = std::fopen("/proc/self/smaps", "r");
    if (!f) return std::nullopt;
    char line[512];
    bool inside = false, seen = false, at_line_start = true;
    uint64_t total = 0;
    while (std::fgets(line, sizeof line, f)) {
        // A line longer than the buffer (a long path) comes in pieces: only a line's start counts.
        const bool line_start = at_line_start;
        at_line_start = std::strchr(line, '\n') != nullptr;
        if (!line_start) continue;
        char* end = nullptr;
        const unsigned long long start = std::strtoull(line, &end, 16);
        if (end != line && *end == '-') {  // "start-end perms offset dev inode path": a new mapping
            const unsigned long long stop = std::strtoull(end + 1, nullptr, 16);
            inside = start < hi && stop > lo;
            continue;
        }
        if (std::strncmp(line, "FilePmdMapped:", 14) != 0) continue;
        seen = true;
        if (inside) total += std::strtoull(line + 14, nullptr, 10) * 1024;  // "   2048 kB"
    }
    std::fclose(f);
    if (!seen) return std::nullopt;
    return total;
}

// Faults in [p, p + n) for reading. MADV_POPULATE_READ does it in one call; before Linux 5.14
// it is EINVAL and a load per page does the same.
void populate(const std::byte* p, size_t n) noexcept {
    if (::madvise(const_cast<std::byte*>(p), n, MADV_POPULATE_READ) == 0) return;
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const volatile std::byte* v = p;
    for (size_t off = 0; off < n; off += page) (void)v[off];
}

}  // namespace

size_t huge_page_size() noexcept {
    static const size_t size = [] {
        char buf[64];
        if (!read_line("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", buf, sizeof buf)) return kDefaultHugePage;
        const unsigned long long v = std::strtoull(buf, nullptr, 10);
        // A power of two of at least 64 KiB, or the file is not what we think it is.
        return v >= (64u << 10) && (v & (v - 1)) == 0 ? static_cast<size_t>(v) : kDefaultHugePage;
    }();
    return size;
}

bool anonymous_huge_pages_enabled() noexcept {
    char buf[128];  // "always [madvise] never": the bracketed word is the setting
    if (!read_line("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf)) return false;
    return std::strstr(buf, "[always]") != nullptr || std::strstr(buf, "[madvise]") != nullptr;
}

void advise_huge_pages(std::span<const std::byte> mapping) noexcept {
#ifdef MADV_HUGEPAGE
    if (mapping.size() >= huge_page_size()) ::madvise(const_cast<std::byte*>(mapping.data()), mapping.size(), MADV_HUGEPAGE);
#else
    (void)mapping;
#endif
}

std::optional<HugePageSample> sample_huge_page_mapping(std::span<const std::byte> range, size_t max_chunks) {
    const size_t huge = huge_page_size();
    const auto lo = reinterpret_cast<uintptr_t>(range.data());
    const uintptr_t hi = lo + range.size();
    const uintptr_t first = (lo + huge - 1) / huge * huge;  // whole chunks only
    const size_t n_chunks = hi > first ? (hi - first) / huge : 0;
    HugePageSample sample;
    sample.chunks = std::min(n_chunks, max_chunks);
    if (sample.chunks == 0) return sample;
    const auto before = file_pmd_mapped(lo, hi);
    if (!before) return std::nullopt;
    for (size_t i = 0; i < sample.chunks; ++i) {
        // Evenly spread: chunk i of sample.chunks covers the same share of the file.
        const size_t chunk = i * n_chunks / sample.chunks;
        populate(reinterpret_cast<const std::byte*>(first + chunk * huge), huge);
    }
    const auto after = file_pmd_mapped(lo, hi);
    if (!after) return std::nullopt;
    sample.huge = std::min<size_t>(sample.chunks, (*after > *before ? *after - *before : 0) / huge);
    return sample;
}

}  // namespace hearth
