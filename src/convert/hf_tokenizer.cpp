// placeholder until branch hftok lands
#include "convert/hf_tokenizer.hpp"

#include "hearth/error.hpp"

namespace hearth::convert {

void add_hf_tokenizer(const std::filesystem::path& hf_dir, std::string_view, gguf::Writer&) {
    throw Error(ErrorCode::unsupported, hf_dir.string() + ": reading tokenizer.json is not implemented in this build yet");
}

}  // namespace hearth::convert
