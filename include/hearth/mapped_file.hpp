// A read-only memory mapping of a whole file: model weights are used in place from here,
// so the page cache is shared between processes and nothing is copied at load.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>

namespace hearth {

class MappedFile {
public:
    // Throws Error(io) with the path and the OS reason when the file cannot be opened or mapped.
    explicit MappedFile(const std::filesystem::path& path);
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();

    std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
    const std::string& path() const noexcept { return path_; }

    // madvise(WILLNEED) on [offset, offset+size): start reading ahead what will be used.
    void advise_willneed(size_t offset, size_t size) const noexcept;

private:
    std::string path_;
    const std::byte* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace hearth
