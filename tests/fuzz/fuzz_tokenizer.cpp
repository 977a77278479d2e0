// libFuzzer target for the tokenizer: arbitrary bytes through encode, decode and the stream
// decoder of each shared vocabulary (ctest's hostile-input tests are the deterministic twin).
// Build: cmake -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DHEARTH_FUZZ=ON && ninja -C build-fuzz fuzz_tokenizer
// Run:   HEARTH_SHARED_DIR=../shared build-fuzz/tests/fuzz/fuzz_tokenizer -max_total_time=600
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"

namespace {

std::vector<std::unique_ptr<hearth::Tokenizer>> load_all() {
    const char* env = std::getenv("HEARTH_SHARED_DIR");
    const std::filesystem::path dir =
        std::filesystem::path(env && *env ? env : std::filesystem::path(__FILE__).parent_path() / "../../../shared") / "models";
    std::vector<std::unique_ptr<hearth::Tokenizer>> out;
    for (const char* name : {"stories260K.gguf", "tiny-llama2-spm-q8_0.gguf", "tiny-llama3-q8_0.gguf", "tiny-qwen2-q8_0.gguf"}) {
        if (!std::filesystem::exists(dir / name)) continue;
        out.push_back(std::make_unique<hearth::Tokenizer>(hearth::Tokenizer::from_gguf(hearth::gguf::File::open(dir / name))));
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const auto tokenizers = load_all();
    if (tokenizers.empty() || size == 0) return 0;
    const hearth::Tokenizer& tok = *tokenizers[data[0] % tokenizers.size()];
    const bool special = (data[0] & 0x80) != 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::vector<hearth::TokenId> ids = tok.encode(text, special, special);
    size_t sum = tok.decode(ids, special).size();
    hearth::StreamDecoder stream(tok, special);
    for (hearth::TokenId id : ids) sum += stream.push(id).size();
    sum += stream.flush().size();
    return sum == 1 ? 0 : 0;
}
