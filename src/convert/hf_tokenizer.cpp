// add_hf_tokenizer: reads the Hugging Face tokenizer files and writes the tokenizer.* keys in
// the order llama.cpp's converter does (model, pre, tokens, scores, types, merges, special ids,
// add flags, chat template).
#include "convert/hf_tokenizer.hpp"

#include <cctype>
#include <fstream>
#include <iterator>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "convert/hf_pre_tokenizer.hpp"
#include "convert/hf_special_tokens.hpp"
#include "convert/hf_vocab.hpp"
#include "hearth/error.hpp"

namespace hearth::convert {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::io, fmt::format("cannot open {}", path.string()));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw Error(ErrorCode::io, fmt::format("cannot read {}", path.string()));
    return text;
}

// The parsed file; null when it does not exist and is optional.
json load_json(const fs::path& path, bool required) {
    if (!required && !fs::exists(path)) return json();
    if (required && !fs::exists(path))
        throw Error(ErrorCode::io, fmt::format("{} not found (hearth convert needs the model's Hugging Face tokenizer)", path.string()));
    try {
        json j = json::parse(read_file(path));
        if (!j.is_object()) throw Error(ErrorCode::invalid_file, fmt::format("{}: not a JSON object", path.string()));
        return j;
    } catch (const json::exception& e) {
        throw Error(ErrorCode::invalid_file, fmt::format("{}: invalid JSON: {}", path.string(), e.what()));
    }
}

std::optional<uint64_t> config_vocab_size(const json& config) {
    if (!config.is_object()) return std::nullopt;
    // Multimodal checkpoints (Gemma 3 4B+) keep the language model's sizes in text_config.
    const json* holder = &config;
    if (!config.contains("vocab_size") && config.contains("text_config") && config["text_config"].is_object()) holder = &config["text_config"];
    if (!holder->contains("vocab_size")) return std::nullopt;
    const json& v = (*holder)["vocab_size"];
    if (!v.is_number_unsigned() || v.get<uint64_t>() == 0)
        throw Error(ErrorCode::invalid_file, fmt::format("config.json: vocab_size is {}, not a positive integer", v.dump()));
    return v.get<uint64_t>();
}

// Only letters and digits survive in a template's key name, as in gguf-py.
std::string template_key_name(const std::string& name) {
    std::string out = name;
    for (char& c : out)
        if (!std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) c = '_';
    return out;
}

// tokenizer.chat_template from tokenizer_config.json's chat_template (one template, or a list of
// {name, template}: "default" becomes the main one, the others tokenizer.chat_template.<name>),
// else from chat_template.jinja / chat_template.json, where newer transformers save it.
void add_chat_template(const fs::path& dir, const json& tokenizer_config, gguf::Writer& w) {
    json value;
    if (tokenizer_config.is_object() && tokenizer_config.contains("chat_template")) {
        value = tokenizer_config["chat_template"];
    } else if (fs::exists(dir / "chat_template.jinja")) {
        value = read_file(dir / "chat_template.jinja");
    } else if (const json j = load_json(dir / "chat_template.json", false); j.is_object()) {
        value = j.value("chat_template", json());
    }
    if (value.is_null()) return;
    if (value.is_string()) {
        w.add_string("tokenizer.chat_template", value.get<std::string>());
        return;
    }
    if (!value.is_array())
        throw Error(ErrorCode::invalid_file, fmt::format("tokenizer_config.json: chat_template is {}, not a string or a list of "
                                                         "{{\"name\", \"template\"}}", value.type_name()));
    std::vector<std::string> names;
    std::optional<std::string> fallback;
    for (size_t i = 0; i < value.size(); ++i) {
        const json& t = value[i];
        if (!t.is_object() || !t.contains("template") || !t["template"].is_string() || !t.contains("name") || !t["name"].is_string())
            throw Error(ErrorCode::invalid_file, fmt::format("tokenizer_config.json: chat_template[{}] has no string name and template", i));
        const std::string name = template_key_name(t["name"].get<std::string>());
        if (name.empty()) continue;
        if (name == "default") {
            fallback = t["template"].get<std::string>();
        } else {
            w.add_string("tokenizer.chat_template." + name, t["template"].get<std::string>());
            names.push_back(name);
        }
    }
    if (!names.empty()) w.add_string_array("tokenizer.chat_templates", names);
    if (fallback) w.add_string("tokenizer.chat_template", *fallback);
}

}  // namespace

void add_hf_tokenizer(const fs::path& hf_dir, std::string_view arch, gguf::Writer& w) {
    const fs::path tokenizer_path = hf_dir / "tokenizer.json";
    const json tokenizer = load_json(tokenizer_path, true);
    const json tokenizer_config = load_json(hf_dir / "tokenizer_config.json", false);
    const json config = load_json(hf_dir / "config.json", false);

    try {
        const HfVocab vocab = read_hf_vocab(tokenizer, config_vocab_size(config), tokenizer_path.string());
        w.add_string("tokenizer.ggml.model", vocab.model);
        w.add_string("tokenizer.ggml.pre", vocab.model == "gpt2" ? llama_pre_name(tokenizer, arch, tokenizer_path.string()) : "default");
        w.add_string_array("tokenizer.ggml.tokens", vocab.tokens);
        if (vocab.model == "llama") w.add_f32_array("tokenizer.ggml.scores", vocab.scores);
        w.add_i32_array("tokenizer.ggml.token_type", vocab.types);
        if (vocab.model == "gpt2") w.add_string_array("tokenizer.ggml.merges", vocab.merges);

        const HfSpecialTokens special = read_hf_special_tokens(tokenizer, tokenizer_config, config, vocab.tokens.size());
        for (const auto& [key, id] : special.ids) w.add_u32(key, id);
        for (const auto& [key, on] : special.flags) w.add_bool(key, on);
        if (vocab.model == "llama") {
            // llama.cpp prepends a space unless told otherwise: its Llama converter copies
            // tokenizer_config's add_prefix_space, its Gemma 3 converter always writes false.
            // Without either, the tokenizer.json itself says whether it prepends.
            std::optional<bool> prefix;
            if (arch == "gemma3") prefix = false;
            else if (tokenizer_config.is_object() && tokenizer_config.contains("add_prefix_space") && tokenizer_config["add_prefix_space"].is_boolean())
                prefix = tokenizer_config["add_prefix_space"].get<bool>();
            else if (!vocab.space_prefix) prefix = false;
            if (prefix) w.add_bool("tokenizer.ggml.add_space_prefix", *prefix);
        }
        add_chat_template(hf_dir, tokenizer_config, w);
    } catch (const json::exception& e) {
        // Shapes the readers do not check field by field (a number where a string belongs, ...).
        throw Error(ErrorCode::invalid_file, fmt::format("{}: unexpected content: {}", hf_dir.string(), e.what()));
    }
}

}  // namespace hearth::convert
