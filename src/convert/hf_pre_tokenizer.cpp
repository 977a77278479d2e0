// Recognises the pre-tokenizers hearth implements (src/tokenizer/pretokenize.hpp) by their
// structure in tokenizer.json.
#include "convert/hf_pre_tokenizer.hpp"

#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hearth/error.hpp"

namespace hearth::convert {
namespace {

// The regexes as they read after JSON unescaping (a backslash and a letter, not control chars).
constexpr std::string_view kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Stand-ins for steps that have no regex text of their own.
constexpr std::string_view kByteLevelRegex = "<ByteLevel GPT-2 regex>";
constexpr std::string_view kSingleDigits = "<Digits individual>";

// The splitting steps of one pre-tokenizer, in the order they apply.
void collect_steps(const nlohmann::json& pre, std::vector<std::string>& steps) {
    if (!pre.is_object()) return;
    const std::string type = pre.value("type", "");
    if (type == "Sequence") {
        for (const nlohmann::json& p : pre.value("pretokenizers", nlohmann::json::array())) collect_steps(p, steps);
    } else if (type == "Split") {
        const nlohmann::json pattern = pre.value("pattern", nlohmann::json::object());
        if (pattern.contains("Regex") && pattern["Regex"].is_string())
            steps.push_back(pattern["Regex"].get<std::string>());
        else
            steps.push_back("<Split " + pattern.dump() + ">");
    } else if (type == "ByteLevel") {
        if (pre.value("use_regex", true)) steps.emplace_back(kByteLevelRegex);
    } else if (type == "Digits") {
        steps.emplace_back(pre.value("individual_digits", false) ? kSingleDigits : "<Digits grouped>");
    } else {
        steps.push_back("<" + type + ">");
    }
}

}  // namespace

std::string llama_pre_name(const nlohmann::json& tokenizer, std::string_view arch, const std::string& file) {
    std::vector<std::string> steps;
    collect_steps(tokenizer.value("pre_tokenizer", nlohmann::json()), steps);
    const bool ignore_merges = tokenizer.value("model", nlohmann::json::object()).value("ignore_merges", false);

    // llama.cpp gives several names to the same regex (llama-bpe / smaug-bpe / falcon3, qwen2 /
    // deepseek-r1-qwen, ...) because its hash also sees the vocabulary; hearth and llama.cpp
    // split text the same way under each, so the common name is chosen. The one behavioural
    // difference, Llama 3's ignore_merges, is part of what llama-bpe means.
    if (steps.size() == 1 && steps[0] == kLlama3Regex) {
        if (ignore_merges) return "llama-bpe";
    } else if (steps.size() == 1 && steps[0] == kQwen2Regex) {
        return "qwen2";
    } else if (steps.size() == 1 && steps[0] == kByteLevelRegex) {
        return "gpt-2";
    } else if (steps.size() == 2 && steps[0] == kSingleDigits && steps[1] == kByteLevelRegex) {
        return "smollm";
    }
    std::string found;
    for (const std::string& s : steps) found += (found.empty() ? "" : " then ") + s;
    throw Error(ErrorCode::unsupported,
                fmt::format("{}: pre_tokenizer not recognised for architecture {} ({}{}); hearth converts the "
                            "pre-tokenizers of Llama 3 (llama-bpe), Qwen 2/3 (qwen2), GPT-2 (gpt-2) and SmolLM (smollm)",
                            file, arch, found.empty() ? "none" : found,
                            steps.size() == 1 && steps[0] == kLlama3Regex ? ", Llama 3 regex without model.ignore_merges" : ""));
}

}  // namespace hearth::convert
