// Lookup of architectures by their general.architecture name (and the public list of them).
#include "model/arch.hpp"

#include <array>
#include <string>

#include "hearth/hearth.hpp"

namespace hearth::model {

namespace {
const std::array<const ArchSpec*, 6>& registry() {
    static const std::array<const ArchSpec*, 6> archs = {&kLlamaArch, &kQwen2Arch, &kQwen3Arch, &kQwen3MoeArch, &kGemma3Arch, &kBertArch};
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

namespace hearth {

std::vector<std::string> supported_architectures() {
    std::vector<std::string> out;
    for (const model::ArchSpec* a : model::registry()) out.emplace_back(a->name);
    return out;
}

}  // namespace hearth
