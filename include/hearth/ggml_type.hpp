// Tensor element types of the GGUF/ggml format: ids as stored in files, block geometry, names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hearth {

// Values are the type ids written in GGUF tensor infos; gaps are ids ggml retired.
enum class GgmlType : uint32_t {
    f32 = 0,
    f16 = 1,
    q4_0 = 2,
    q4_1 = 3,
    q5_0 = 6,
    q5_1 = 7,
    q8_0 = 8,
    q8_1 = 9,
    q2_k = 10,
    q3_k = 11,
    q4_k = 12,
    q5_k = 13,
    q6_k = 14,
    q8_k = 15,
    iq2_xxs = 16,
    iq2_xs = 17,
    iq3_xxs = 18,
    iq1_s = 19,
    iq4_nl = 20,
    iq3_s = 21,
    iq2_s = 22,
    iq4_xs = 23,
    i8 = 24,
    i16 = 25,
    i32 = 26,
    i64 = 27,
    f64 = 28,
    iq1_m = 29,
    bf16 = 30,
    tq1_0 = 34,
    tq2_0 = 35,
    mxfp4 = 39,
};

struct GgmlTypeInfo {
    std::string_view name;    // as ggml prints it: "q4_K", "f16", ...
    uint32_t block_elements;  // elements per block (1 for plain types)
    uint32_t block_bytes;     // bytes per block
};

// nullopt for an id that is not a known ggml type (a corrupt or future file).
std::optional<GgmlTypeInfo> ggml_type_info(uint32_t id) noexcept;
GgmlTypeInfo ggml_type_info(GgmlType type) noexcept;
std::string_view ggml_type_name(GgmlType type) noexcept;
std::optional<GgmlType> ggml_type_from_name(std::string_view name) noexcept;

// Bytes of one row of n elements; nullopt when n is not a whole number of blocks.
std::optional<uint64_t> ggml_row_bytes(GgmlType type, uint64_t n) noexcept;

}  // namespace hearth

namespace hearth {

// llama.cpp's whole-file type numbering (LLAMA_FTYPE_*), stored as general.file_type:
// 15 <-> "Q4_K_M", 2 <-> "Q4_0", ... nullopt for numbers or names it does not define.
std::optional<std::string_view> file_type_name(uint32_t id) noexcept;
std::optional<uint32_t> file_type_id(std::string_view name) noexcept;

}  // namespace hearth
