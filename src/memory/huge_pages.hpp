// Probes and hints for 2 MiB (PMD) pages under model weights: whether anonymous transparent huge
// pages are on, and how much of a file mapping the kernel actually maps with them.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

namespace hearth {

// The PMD page size (hpage_pmd_size in sysfs; 2 MiB on x86-64 and on arm64 with 4 KiB pages).
size_t huge_page_size() noexcept;

// True when anonymous memory can get transparent huge pages through MADV_HUGEPAGE, i.e. THP
// "enabled" is always or madvise. False when it is never, or when the system does not say.
bool anonymous_huge_pages_enabled() noexcept;

// MADV_HUGEPAGE on a read-only file mapping. It does not change pages already in the page cache,
// but on kernels whose file system has large folios (ext4, xfs, btrfs on Linux 6.x) a page fault
// then reads ahead one whole PMD-sized folio, which the kernel maps with one 2 MiB page.
void advise_huge_pages(std::span<const std::byte> mapping) noexcept;

struct HugePageSample {
    size_t chunks = 0;  // huge_page_size()-aligned chunks of the range that were read in
    size_t huge = 0;    // of those, how many the kernel mapped with one PMD
};

// Reads up to max_chunks whole huge-page chunks spread evenly over range (MADV_POPULATE_READ,
// about max_chunks x 2 MiB of I/O when cold) and counts how many got a PMD mapping, from the
// FilePmdMapped lines of /proc/self/smaps before and after. nullopt when that cannot be measured.
// Chunks that something already mapped are counted as small pages (the delta misses them).
std::optional<HugePageSample> sample_huge_page_mapping(std::span<const std::byte> range, size_t max_chunks = 16);

}  // namespace hearth
