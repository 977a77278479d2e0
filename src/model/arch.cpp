// Lookup of architectures by their general.architecture name.
#include "model/arch.hpp"

#include <array>
#include <string>

namespace hearth::model {

namespace {
const std::array<const ArchSpec*, 4>& registry() {
    static const std::array<const ArchSpec*, 4> archs = {&kLlamaArch, &kQwen2Arch, &kQwen3Arch, &kQwen3MoeArch};
    return archs;
}
}  // namespace

const ArchSpec* find_arch(std::string_view name) noexcept {
    for (const ArchSpec* a : registry())
        if (a->name == name) return a;
    return nullptr;
}

std::string supported_arch_list() {
    std::string out;
    for (const ArchSpec* a : registry()) {
        if (!out.empty()) out += ", ";
        out += a->name;
    }
    return out;
}

}  // namespace hearth::model
