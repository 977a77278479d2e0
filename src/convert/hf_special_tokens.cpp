// gguf-py SpecialVocab's rules, restated: see hf_special_tokens.hpp.
#include "convert/hf_special_tokens.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hearth/error.hpp"

namespace hearth::convert {
namespace {

using json = nlohmann::json;

// SpecialVocab's token kinds and the GGUF keys they land in ("seperator" is GGUF's spelling).
const std::map<std::string, std::string, std::less<>>& id_keys() {
    static const std::map<std::string, std::string, std::less<>> keys = {
        {"bos", "tokenizer.ggml.bos_token_id"},   {"eos", "tokenizer.ggml.eos_token_id"},
        {"unk", "tokenizer.ggml.unknown_token_id"}, {"sep", "tokenizer.ggml.seperator_token_id"},
        {"pad", "tokenizer.ggml.padding_token_id"}, {"cls", "tokenizer.ggml.cls_token_id"},
        {"mask", "tokenizer.ggml.mask_token_id"}, {"eot", "tokenizer.ggml.eot_token_id"},
        {"eom", "tokenizer.ggml.eom_token_id"},
    };
    return keys;
}

// A <type>_token entry: "text" or {"content": "text", ...}; empty when absent or null.
std::string token_text(const json& config, const std::string& key) {
    if (!config.is_object() || !config.contains(key)) return {};
    const json& v = config[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
    return {};
}

// The id of a SpecialToken step in a TemplateProcessing template, e.g. {"SpecialToken": {"id": "<s>"}}.
std::string template_special(const json& step) {
    if (!step.is_object() || !step.contains("SpecialToken")) return {};
    const json& s = step["SpecialToken"];
    return s.is_object() && s.contains("id") && s["id"].is_string() ? s["id"].get<std::string>() : std::string();
}

class SpecialReader {
public:
    SpecialReader(const json& tokenizer, json tokenizer_config, uint64_t n_vocab)
        : config_(std::move(tokenizer_config)), n_vocab_(n_vocab) {
        added_ = tokenizer.value("added_tokens", json::array());
        types_ = {"bos", "eos", "unk", "sep", "pad", "cls", "mask"};
    }

    HfSpecialTokens read(const json& tokenizer, const json& model_config) {
        read_post_processor(tokenizer);
        if (config_.is_object()) read_tokenizer_config();
        if (model_config.is_object()) read_model_config(model_config);
        return std::move(out_);
    }

private:
    void set_flag(const std::string& type, bool v) {
        const std::string key = "tokenizer.ggml.add_" + type + "_token";
        if (type != "bos" && type != "eos" && type != "sep") return;  // no GGUF key for the others
        auto it = std::find_if(out_.flags.begin(), out_.flags.end(), [&](const auto& f) { return f.first == key; });
        if (it == out_.flags.end())
            out_.flags.emplace_back(key, v);
        else
            it->second = v;
    }

    void set_id(const std::string& type, int64_t id, const std::string& where) {
        const std::string& key = id_keys().at(type);
        if (std::any_of(out_.ids.begin(), out_.ids.end(), [&](const auto& e) { return e.first == key; })) return;  // first one wins
        if (id < 0 || static_cast<uint64_t>(id) >= n_vocab_)
            throw Error(ErrorCode::invalid_file, fmt::format("{} = {} is not a token id (the vocabulary has {} tokens)", where, id, n_vocab_));
        out_.ids.emplace_back(key, static_cast<uint32_t>(id));
    }

    // Parses the post-processor's single-sequence template: a leading special token means "add
    // BOS", a trailing one "add EOS" (and when that is not tokenizer_config's EOS, it becomes the
    // EOS and the configured one the EOT, as SpecialVocab does). Pair templates only concern
    // separators of two-sentence inputs, which no architecture hearth converts uses.
    void read_post_processor(const json& tokenizer) {
        const bool have_config = config_.is_object();
        std::string bos = token_text(config_, "bos_token"), eos = token_text(config_, "eos_token");
        const std::string cls = token_text(config_, "cls_token"), sep = token_text(config_, "sep_token");
        if (bos.empty() && !cls.empty() && have_config) config_["bos_token"] = bos = cls;
        if (eos.empty() && !sep.empty() && have_config) config_["eos_token"] = eos = sep;
        const json pp = tokenizer.value("post_processor", json());
        if (!pp.is_object()) return;
        const json processors = pp.contains("processors") && pp["processors"].is_array() ? pp["processors"] : json::array({pp});
        for (const json& p : processors) {
            if (!p.is_object()) continue;
            const std::string type = p.value("type", "");
            if (type == "RobertaProcessing") {
                set_flag("bos", true);
                set_flag("eos", true);
                set_flag("sep", true);
                continue;
            }
            if (type != "TemplateProcessing") continue;
            const json single = p.value("single", json::array());
            if (!single.is_array() || single.size() < 2) continue;
            if (const std::string first = template_special(single.front()); !first.empty()) {
                if (!have_config) bos = first;
                set_flag("bos", first == bos || first == cls);
            }
            if (const std::string last = template_special(single.back()); !last.empty()) {
                if (!have_config) {
                    eos = last;
                } else if (last != eos) {
                    const bool eot_free = std::find(types_.begin(), types_.end(), "eot") == types_.end();
                    const std::string demoted = eot_free ? "eot" : "eom";
                    if (std::find(types_.begin(), types_.end(), demoted) == types_.end()) {
                        types_.push_back(demoted);
                        config_[demoted + "_token"] = eos;
                    }
                    config_["eos_token"] = eos = last;
                }
                set_flag("eos", last == eos);
            }
        }
    }

    void read_tokenizer_config() {
        for (const std::string& type : types_) {
            if (const auto f = config_.find("add_" + type + "_token"); f != config_.end() && f->is_boolean()) set_flag(type, f->get<bool>());
            const std::string text = token_text(config_, type + "_token");
            if (text.empty()) continue;
            // Like SpecialVocab, only tokenizer.json's added_tokens are searched.
            for (size_t i = 0; i < added_.size(); ++i)
                if (added_[i].is_object() && added_[i].value("content", "") == text) {
                    if (added_[i].contains("id") && added_[i]["id"].is_number_integer())
                        set_id(type, added_[i]["id"].get<int64_t>(), fmt::format("tokenizer.json: added_tokens[{}].id (the {}_token)", i, type));
                    break;
                }
        }
    }

    void read_model_config(const json& config) {
        for (const std::string& type : types_) {
            const std::string key = type + "_token_id";
            json v = config.value(key, json());
            std::string where = "config.json: " + key;
            if (v.is_null() && config.contains("text_config") && config["text_config"].is_object()) {
                v = config["text_config"].value(key, json());
                where = "config.json: text_config." + key;
            }
            if (v.is_number_integer()) set_id(type, v.get<int64_t>(), where);  // lists (several EOS) are ignored, as in gguf-py
        }
    }

    json config_;
    json added_;
    uint64_t n_vocab_;
    std::vector<std::string> types_;
    HfSpecialTokens out_;
};

}  // namespace

HfSpecialTokens read_hf_special_tokens(const json& tokenizer, json tokenizer_config, const json& config, uint64_t n_vocab) {
    SpecialReader r(tokenizer, std::move(tokenizer_config), n_vocab);
    return r.read(tokenizer, config);
}

}  // namespace hearth::convert
