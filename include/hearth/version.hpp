// What this build of hearth is: version, build type, compiler, and the kernel instruction-set
// levels compiled in, supported by this CPU, and chosen (HEARTH_ISA may force a level).
#pragma once

#include <string>
#include <vector>

namespace hearth {

struct BuildInfo {
    std::string version;                  // "0.1.0"
    std::string build_type;               // CMAKE_BUILD_TYPE, e.g. "Release"
    std::string compiler;                 // e.g. "GCC 12.2.0"
    std::vector<std::string> isa_compiled;   // kernel levels in this binary: "ref", "avx2", ...
    std::vector<std::string> isa_supported;  // of those, the ones this CPU (and OS) can run
    std::string isa_active;                  // the level the kernels use
};

BuildInfo build_info();

}  // namespace hearth
