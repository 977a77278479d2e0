// hearth::convert::convert_hf_model (see hearth/convert.hpp): config -> metadata, checkpoint ->
// tensor source, tokenizer, then the quantizer's streaming write.
#include "hearth/convert.hpp"

#include "convert/hf_config.hpp"
#include "convert/hf_metadata.hpp"
#include "convert/hf_tensors.hpp"
#include "convert/hf_tokenizer.hpp"
#include "convert/safetensors.hpp"
#include "hearth/error.hpp"

namespace hearth::convert {
namespace {

// Writing over a file the conversion is reading would destroy the input half way.
void refuse_to_overwrite_input(const std::filesystem::path& dir, const std::filesystem::path& out) {
    std::error_code ec;
    if (!std::filesystem::exists(out, ec)) return;
    if (std::filesystem::is_directory(out, ec)) throw Error(ErrorCode::invalid_argument, out.string() + ": is a folder, not a file name");
    if (!std::filesystem::equivalent(out.parent_path().empty() ? "." : out.parent_path(), dir, ec)) return;
    const std::string n = out.filename().string();
    if (n == "config.json" || n.ends_with(".safetensors") || n.ends_with(".json") || n == "tokenizer.model")
        throw Error(ErrorCode::invalid_argument, out.string() + ": is one of the model's input files; choose another output name");
}

}  // namespace

std::string_view supported_hf_architectures() noexcept {
    return "LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, Qwen3MoeForCausalLM, Gemma3ForCausalLM, "
           "Gemma3ForConditionalGeneration";
}

void convert_hf_model(const std::filesystem::path& hf_dir, const std::filesystem::path& out, const Options& options,
                      const std::function<void(const quant::TensorReport&)>& on_tensor) {
    refuse_to_overwrite_input(hf_dir, out);
    const HfConfig config = read_hf_config(hf_dir);
    const Checkpoint ckpt(hf_dir);
    std::filesystem::path dir = std::filesystem::absolute(hf_dir).lexically_normal();
    if (dir.filename().empty()) dir = dir.parent_path();  // "models/Llama-3.2-1B/"
    const std::string name = dir.filename().string();
    const HfTensors tensors(ckpt, config, hf_dir.string());

    gguf::Writer w;
    add_hf_metadata(config, name.empty() ? "model" : name, w);
    (options.add_tokenizer ? options.add_tokenizer : TokenizerWriter(add_hf_tokenizer))(hf_dir, config.arch, w);
    const quant::ModelLayout layout{config.n_layer, config.n_head / config.n_head_kv, config.n_expert};
    quant::quantize_tensors(tensors, layout, options.recipe, w, out, options.threads, on_tensor);
}

}  // namespace hearth::convert
