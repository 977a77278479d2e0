// Block geometry of every ggml tensor type (from ggml's type traits: block structs in ggml-common.h).
#include "hearth/ggml_type.hpp"

#include <array>

namespace hearth {
namespace {

struct Entry {
    GgmlType type;
    GgmlTypeInfo info;
};

constexpr std::array<Entry, 32> kTypes{{
    {GgmlType::f32, {"f32", 1, 4}},
    {GgmlType::f16, {"f16", 1, 2}},
    {GgmlType::q4_0, {"q4_0", 32, 18}},
    {GgmlType::q4_1, {"q4_1", 32, 20}},
    {GgmlType::q5_0, {"q5_0", 32, 22}},
    {GgmlType::q5_1, {"q5_1", 32, 24}},
    {GgmlType::q8_0, {"q8_0", 32, 34}},
    {GgmlType::q8_1, {"q8_1", 32, 36}},
    {GgmlType::q2_k, {"q2_K", 256, 84}},
    {GgmlType::q3_k, {"q3_K", 256, 110}},
    {GgmlType::q4_k, {"q4_K", 256, 144}},
    {GgmlType::q5_k, {"q5_K", 256, 176}},
    {GgmlType::q6_k, {"q6_K", 256, 210}},
    {GgmlType::q8_k, {"q8_K", 256, 292}},
    {GgmlType::iq2_xxs, {"iq2_xxs", 256, 66}},
    {GgmlType::iq2_xs, {"iq2_xs", 256, 74}},
    {GgmlType::iq3_xxs, {"iq3_xxs", 256, 98}},
    {GgmlType::iq1_s, {"iq1_s", 256, 50}},
    {GgmlType::iq4_nl, {"iq4_nl", 32, 18}},
    {GgmlType::iq3_s, {"iq3_s", 256, 110}},
    {GgmlType::iq2_s, {"iq2_s", 256, 82}},
    {GgmlType::iq4_xs, {"iq4_xs", 256, 136}},
    {GgmlType::i8, {"i8", 1, 1}},
    {GgmlType::i16, {"i16", 1, 2}},
    {GgmlType::i32, {"i32", 1, 4}},
    {GgmlType::i64, {"i64", 1, 8}},
    {GgmlType::f64, {"f64", 1, 8}},
    {GgmlType::iq1_m, {"iq1_m", 256, 56}},
    {GgmlType::bf16, {"bf16", 1, 2}},
    {GgmlType::tq1_0, {"tq1_0", 256, 54}},
    {GgmlType::tq2_0, {"tq2_0", 256, 66}},
    {GgmlType::mxfp4, {"mxfp4", 32, 17}},
}};

}  // namespace

std::optional<GgmlTypeInfo> ggml_type_info(uint32_t id) noexcept {
    for (const Entry& e : kTypes)
        if (static_cast<uint32_t>(e.type) == id) return e.info;
    return std::nullopt;
}

GgmlTypeInfo ggml_type_info(GgmlType type) noexcept {
    // Every enumerator is in the table, so this lookup cannot miss.
    return *ggml_type_info(static_cast<uint32_t>(type));
}

std::string_view ggml_type_name(GgmlType type) noexcept { return ggml_type_info(type).name; }

std::optional<GgmlType> ggml_type_from_name(std::string_view name) noexcept {
    for (const Entry& e : kTypes) {
        std::string_view n = e.info.name;
        if (n.size() != name.size()) continue;
        bool same = true;
        for (size_t i = 0; i < n.size() && same; ++i) {
            auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
            same = lower(n[i]) == lower(name[i]);
        }
        if (same) return e.type;
    }
    return std::nullopt;
}

std::optional<uint64_t> ggml_row_bytes(GgmlType type, uint64_t n) noexcept {
    GgmlTypeInfo info = ggml_type_info(type);
    if (n % info.block_elements != 0) return std::nullopt;
    return n / info.block_elements * info.block_bytes;
}

}  // namespace hearth
