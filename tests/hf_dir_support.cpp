// See hf_dir_support.hpp. The layouts follow the tokenizer.json files the tokenizers library
// writes (model / normalizer / pre_tokenizer / post_processor / decoder / added_tokens).
#include "hf_dir_support.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "hearth/tokenizer.hpp"

namespace hearth::test {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// What the tests need from a GGUF tokenizer, read once.
struct GgufVocab {
    std::string model, pre;
    std::vector<std::string> tokens;
    std::vector<int32_t> types;
    std::vector<float> scores;
    std::vector<std::string> merges;
    int64_t bos = -1, eos = -1, unk = -1, pad = -1;
    std::optional<bool> add_bos, add_eos, space_prefix;
    std::optional<std::string> chat_template;
};

GgufVocab read_vocab(const gguf::File& f) {
    GgufVocab v;
    v.model = std::string(f.get_string("tokenizer.ggml.model"));
    v.pre = std::string(f.get_string_opt("tokenizer.ggml.pre").value_or("default"));
    for (std::string_view t : f.get_array("tokenizer.ggml.tokens", gguf::ValueType::string).strings()) v.tokens.emplace_back(t);
    const gguf::Value& types = f.get_array("tokenizer.ggml.token_type", gguf::ValueType::i32);
    for (uint64_t i = 0; i < types.array_size(); ++i) v.types.push_back(static_cast<int32_t>(*types.int_at(i)));
    if (f.find("tokenizer.ggml.scores")) {
        const gguf::Value& s = f.get_array("tokenizer.ggml.scores", gguf::ValueType::f32);
        for (uint64_t i = 0; i < s.array_size(); ++i) v.scores.push_back(static_cast<float>(*s.float_at(i)));
    }
    if (f.find("tokenizer.ggml.merges"))
        for (std::string_view m : f.get_array("tokenizer.ggml.merges", gguf::ValueType::string).strings()) v.merges.emplace_back(m);
    auto id = [&](const char* key) { return f.get_uint_opt(key) ? static_cast<int64_t>(*f.get_uint_opt(key)) : int64_t(-1); };
    v.bos = id("tokenizer.ggml.bos_token_id");
    v.eos = id("tokenizer.ggml.eos_token_id");
    v.unk = id("tokenizer.ggml.unknown_token_id");
    v.pad = id("tokenizer.ggml.padding_token_id");
    v.add_bos = f.get_bool_opt("tokenizer.ggml.add_bos_token");
    v.add_eos = f.get_bool_opt("tokenizer.ggml.add_eos_token");
    v.space_prefix = f.get_bool_opt("tokenizer.ggml.add_space_prefix");
    if (auto t = f.get_string_opt("tokenizer.chat_template")) v.chat_template = std::string(*t);
    return v;
}

bool is_type(const GgufVocab& v, size_t id, TokenType t) { return v.types[id] == static_cast<int32_t>(t); }

json text_or_null(const GgufVocab& v, int64_t id) { return id >= 0 ? json(v.tokens[id]) : json(); }

json added_tokens(const GgufVocab& v, bool with_unknown) {
    json out = json::array();
    for (size_t id = 0; id < v.tokens.size(); ++id) {
        const bool user = is_type(v, id, TokenType::user_defined);
        if (!(user || is_type(v, id, TokenType::control) || (with_unknown && is_type(v, id, TokenType::unknown)))) continue;
        out.push_back({{"id", id}, {"content", v.tokens[id]}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                       {"normalized", user}, {"special", !user}});
    }
    return out;
}

// A TemplateProcessing post-processor adding BOS/EOS as the GGUF asks (null when neither).
json template_processing(const GgufVocab& v) {
    json single = json::array(), pair = json::array(), specials = json::object();
    auto special = [&](int64_t id) {
        specials[v.tokens[id]] = {{"id", v.tokens[id]}, {"ids", {id}}, {"tokens", {v.tokens[id]}}};
        return json{{"SpecialToken", {{"id", v.tokens[id]}, {"type_id", 0}}}};
    };
    const bool bos = v.add_bos.value_or(false) && v.bos >= 0, eos = v.add_eos.value_or(false) && v.eos >= 0;
    if (!bos && !eos) return json();
    if (bos) single.push_back(special(v.bos));
    single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
    if (eos) single.push_back(special(v.eos));
    pair = single;
    pair.push_back({{"Sequence", {{"id", "B"}, {"type_id", 1}}}});
    return {{"type", "TemplateProcessing"}, {"single", single}, {"pair", pair}, {"special_tokens", specials}};
}

json byte_level(bool use_regex) { return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", use_regex}}; }

json byte_level_tokenizer(const GgufVocab& v, const HfTokenizerStyle& style) {
    const char* regex = v.pre == "llama-bpe" ? kLlama3Regex : v.pre == "qwen2" ? kQwen2Regex : nullptr;
    if (!regex) throw std::runtime_error("write_hf_tokenizer: no tokenizer.json layout for pre-tokenizer " + v.pre);
    json vocab = json::object();
    for (size_t id = 0; id < v.tokens.size(); ++id)
        if (is_type(v, id, TokenType::normal)) vocab[v.tokens[id]] = id;
    json merges = json::array();
    for (const std::string& m : v.merges) {
        const size_t sp = m.find(' ');
        merges.push_back(style.merges_as_pairs ? json::array({m.substr(0, sp), m.substr(sp + 1)}) : json(m));
    }
    json post = json::array({byte_level(true)});
    if (json t = template_processing(v); !t.is_null()) post.push_back(t);
    return {
        {"version", "1.0"},
        {"added_tokens", added_tokens(v, false)},
        {"normalizer", v.pre == "qwen2" ? json{{"type", "NFC"}} : json()},
        {"pre_tokenizer", {{"type", "Sequence"},
                           {"pretokenizers", {{{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}},
                                              byte_level(false)}}}},
        {"post_processor", {{"type", "Sequence"}, {"processors", post}}},
        {"decoder", byte_level(true)},
        {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
                   {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false},
                   {"ignore_merges", v.pre == "llama-bpe"}, {"vocab", vocab}, {"merges", merges}}},
    };
}

// The merges Hugging Face derives from a SentencePiece model: every split of a piece into two
// pieces, pieces with better scores first.
json sentencepiece_merges(const GgufVocab& v, const HfTokenizerStyle& style) {
    std::unordered_map<std::string, size_t> piece;
    auto mergeable = [&](size_t id) { return is_type(v, id, TokenType::normal) || is_type(v, id, TokenType::user_defined); };
    for (size_t id = 0; id < v.tokens.size(); ++id)
        if (mergeable(id)) piece.emplace(v.tokens[id], id);
    std::vector<std::tuple<float, size_t, size_t>> found;  // score, piece id, split byte
    for (size_t id = 0; id < v.tokens.size(); ++id) {
        if (!mergeable(id)) continue;
        const std::string& t = v.tokens[id];
        for (size_t cut = 1; cut < t.size(); ++cut)
            if ((static_cast<unsigned char>(t[cut]) & 0xC0) != 0x80 && piece.count(t.substr(0, cut)) && piece.count(t.substr(cut)))
                found.emplace_back(v.scores[id], id, cut);
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) > std::get<0>(b) : std::tie(std::get<1>(a), std::get<2>(a)) < std::tie(std::get<1>(b), std::get<2>(b));
    });
    json merges = json::array();
    for (const auto& [score, id, cut] : found) {
        const std::string& t = v.tokens[id];
        merges.push_back(style.merges_as_pairs ? json::array({t.substr(0, cut), t.substr(cut)}) : json(t.substr(0, cut) + " " + t.substr(cut)));
    }
    return merges;
}

json sentencepiece_tokenizer(const GgufVocab& v, const HfTokenizerStyle& style) {
    if (v.scores.size() != v.tokens.size()) throw std::runtime_error("write_hf_tokenizer: a SentencePiece vocabulary needs scores");
    json vocab = json::object();
    for (size_t id = 0; id < v.tokens.size(); ++id) vocab[v.tokens[id]] = id;
    const bool prefix = v.space_prefix.value_or(true);
    const json replace = {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}};
    json decoder = json::array({{{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
                                {{"type", "ByteFallback"}}, {{"type", "Fuse"}}});
    if (prefix) decoder.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
    return {
        {"version", "1.0"},
        {"added_tokens", added_tokens(v, true)},
        {"normalizer", prefix ? json{{"type", "Sequence"},
                                     {"normalizers", {{{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}}, replace}}}
                              : replace},
        {"pre_tokenizer", nullptr},
        {"post_processor", template_processing(v)},
        {"decoder", {{"type", "Sequence"}, {"decoders", decoder}}},
        {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", text_or_null(v, v.unk)}, {"continuing_subword_prefix", nullptr},
                   {"end_of_word_suffix", nullptr}, {"fuse_unk", true}, {"byte_fallback", true}, {"ignore_merges", false},
                   {"vocab", vocab}, {"merges", sentencepiece_merges(v, style)}}},
    };
}

json tokenizer_config(const GgufVocab& v, const json& tokenizer) {
    json decoder = json::object();
    for (const json& a : tokenizer["added_tokens"]) {
        json entry = a;
        entry.erase("id");
        decoder[std::to_string(a["id"].get<size_t>())] = entry;
    }
    json c = {{"added_tokens_decoder", decoder},
              {"bos_token", text_or_null(v, v.bos)},
              {"eos_token", text_or_null(v, v.eos)},
              {"clean_up_tokenization_spaces", false},
              {"model_max_length", 131072},
              {"tokenizer_class", v.model == "llama" ? "LlamaTokenizer" : "PreTrainedTokenizerFast"}};
    if (v.unk >= 0) c["unk_token"] = v.tokens[v.unk];
    if (v.pad >= 0) c["pad_token"] = v.tokens[v.pad];
    if (v.chat_template) c["chat_template"] = *v.chat_template;
    // Meta's Llama 3 files say "add BOS" only through the post-processor; Qwen's have no
    // bos_token (config.json names the id); Llama 2 and Gemma spell the flags out.
    if (v.pre == "qwen2") c["bos_token"] = nullptr;
    if (v.pre != "llama-bpe") {
        if (v.add_bos) c["add_bos_token"] = *v.add_bos;
        if (v.add_eos) c["add_eos_token"] = *v.add_eos;
    }
    return c;
}

}  // namespace

void write_json(const fs::path& path, const json& j) {
    std::ofstream out(path, std::ios::binary);
    out << j.dump();
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

void write_hf_tokenizer(const gguf::File& model, const fs::path& dir, const HfTokenizerStyle& style) {
    const GgufVocab v = read_vocab(model);
    const json tokenizer = v.model == "gpt2" ? byte_level_tokenizer(v, style) : sentencepiece_tokenizer(v, style);
    fs::create_directories(dir);
    write_json(dir / "tokenizer.json", tokenizer);
    write_json(dir / "tokenizer_config.json", tokenizer_config(v, tokenizer));
}

json hf_tokenizer_config_fields(const gguf::File& model) {
    json c = json::object();
    const std::string arch(model.get_string("general.architecture"));
    c["vocab_size"] = model.get_uint_opt(arch + ".vocab_size").value_or(model.get_array("tokenizer.ggml.tokens", gguf::ValueType::string).array_size());
    if (auto bos = model.get_uint_opt("tokenizer.ggml.bos_token_id")) c["bos_token_id"] = *bos;
    if (auto eos = model.get_uint_opt("tokenizer.ggml.eos_token_id")) c["eos_token_id"] = *eos;
    return c;
}

void copy_all_but_tokenizer(const gguf::File& model, gguf::Writer& w) {
    for (const gguf::MetadataEntry& e : model.metadata())
        if (!e.key.starts_with("tokenizer.")) w.add_value(e.key, e.value);
    for (const gguf::TensorInfo& t : model.tensors())
        w.add_tensor(t.name, t.type, std::span<const uint64_t>(t.ne.data(), t.n_dims), t.bytes());
}

}  // namespace hearth::test
