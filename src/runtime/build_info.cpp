// hearth::build_info(): the facts `hearth --version` prints, from the build's definitions and
// the kernel dispatch's CPU check.
#include "hearth/version.hpp"

#include "kernels/kernels.hpp"

namespace hearth {

namespace {

bool compiled_in(kernels::Isa isa) {
    switch (isa) {
        case kernels::Isa::ref: return true;
#if defined(HEARTH_HAVE_X86_KERNELS)
        case kernels::Isa::avx2: case kernels::Isa::avx512: return true;
#endif
#if defined(HEARTH_HAVE_AVXVNNI_KERNELS)
        case kernels::Isa::avxvnni: return true;
#endif
#if defined(HEARTH_HAVE_AMX_KERNELS)
        case kernels::Isa::amx: return true;
#endif
#if defined(HEARTH_HAVE_NEON_KERNELS)
        case kernels::Isa::neon: return true;
#endif
        default: return false;
    }
}

std::string compiler() {
#if defined(__clang__)
    return "Clang " __clang_version__;
#elif defined(__GNUC__)
    return "GCC " __VERSION__;
#else
    return "unknown compiler";
#endif
}

}  // namespace

BuildInfo build_info() {
    BuildInfo b;
    b.version = HEARTH_VERSION;
    b.build_type = HEARTH_BUILD_TYPE;
    b.compiler = compiler();
    for (kernels::Isa isa : kernels::kAllIsas) {
        if (!compiled_in(isa)) continue;
        b.isa_compiled.emplace_back(kernels::isa_name(isa));
        if (kernels::isa_supported(isa)) b.isa_supported.emplace_back(kernels::isa_name(isa));
    }
    b.isa_active = kernels::isa_name(kernels::active_isa());
    return b;
}

}  // namespace hearth
