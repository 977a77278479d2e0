// libFuzzer target for the GGUF reader (long runs; ctest runs a deterministic mutation loop instead).
// Build: cmake -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DHEARTH_FUZZ=ON && ninja -C build-fuzz fuzz_gguf
// Run:   build-fuzz/tests/fuzz/fuzz_gguf -max_total_time=600 corpus/
#include <cstddef>
#include <cstdint>
#include <span>

#include "hearth/gguf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        auto bytes = std::as_bytes(std::span(data, size));
        hearth::gguf::File f = hearth::gguf::File::from_memory(bytes, "fuzz.gguf");
        size_t sum = 0;
        for (const auto& e : f.metadata()) sum += e.value.to_display().size();
        for (const auto& t : f.tensors())
            for (std::byte b : t.bytes()) sum += static_cast<size_t>(b);
        return sum == 1 ? 0 : 0;
    } catch (const hearth::Error&) {
        return 0;
    }
}
