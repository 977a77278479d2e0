// tokenizer.json's model.vocab + added_tokens -> GGUF token list, types and scores or merges,
// following llama.cpp's convert_hf_to_gguf.py (get_vocab_base for byte-level BPE,
// _create_vocab_sentencepiece for SentencePiece-style vocabularies).
#include "convert/hf_vocab.hpp"

#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hearth/error.hpp"
#include "hearth/tokenizer.hpp"

namespace hearth::convert {
namespace {

using json = nlohmann::json;

constexpr std::string_view kMetaspace = "\xE2\x96\x81";  // "▁", SentencePiece's visible space
// Without config.json's vocab_size nothing bounds an id; this keeps a hostile file from making
// the vocabulary (and its padding) absurdly large. Real vocabularies stay below 2^20.
constexpr uint64_t kMaxVocab = uint64_t(1) << 24;

[[noreturn]] void fail(ErrorCode code, const std::string& file, const std::string& what) {
    throw Error(code, fmt::format("{}: {}", file, what));
}

struct Entry {
    std::string text;
    TokenType type = TokenType::unused;  // unused = no entry for this id
    bool added = false;
};

bool is_byte_token(std::string_view t) {
    auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); };
    return t.size() == 6 && t.substr(0, 3) == "<0x" && hex(t[3]) && hex(t[4]) && t[5] == '>';
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
    return s;
}

bool mentions_type(const json& j, std::string_view type) {
    if (j.is_object()) {
        if (j.value("type", "") == type) return true;
        for (const auto& [k, v] : j.items())
            if (mentions_type(v, type)) return true;
    } else if (j.is_array()) {
        for (const json& v : j)
            if (mentions_type(v, type)) return true;
    }
    return false;
}

// Whether the text gets a leading "▁" before SentencePiece-style BPE (Llama 2: yes, Gemma: no):
// a Prepend normalizer, or a Metaspace pre-tokenizer that prepends (old and new field names).
bool prepends_space(const json& j) {
    if (j.is_array()) {
        for (const json& v : j)
            if (prepends_space(v)) return true;
        return false;
    }
    if (!j.is_object()) return false;
    const std::string type = j.value("type", "");
    if (type == "Prepend") return j.value("prepend", "") == kMetaspace;
    if (type == "Metaspace") {
        if (j.contains("prepend_scheme")) return j.value("prepend_scheme", "") != "never";
        return j.value("add_prefix_space", true);
    }
    for (const char* list : {"normalizers", "pretokenizers"})
        if (j.contains(list) && prepends_space(j[list])) return true;
    return false;
}

uint32_t read_id(const json& v, uint64_t limit, const std::string& file, const std::string& field) {
    if (!v.is_number_unsigned()) fail(ErrorCode::invalid_file, file, fmt::format("{} is {}, not a token id", field, v.dump()));
    const uint64_t id = v.get<uint64_t>();
    if (id >= limit)
        fail(ErrorCode::invalid_file, file,
             fmt::format("{} = {} is outside the vocabulary (size {}{})", field, id, limit,
                         limit == kMaxVocab ? "" : ", config.json's vocab_size"));
    return static_cast<uint32_t>(id);
}

// The two parts of merges[i]: "left right" (tokenizers before 0.20) or ["left", "right"].
// Views into the JSON value, which outlives them.
std::pair<std::string_view, std::string_view> merge_parts(const json& m, size_t i, const std::string& file) {
    if (m.is_string()) {
        const std::string_view s = m.get_ref<const std::string&>();
        const size_t sp = s.find(' ');
        if (sp != std::string::npos && sp > 0 && sp + 1 < s.size() && s.find(' ', sp + 1) == std::string::npos)
            return {s.substr(0, sp), s.substr(sp + 1)};
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        return {m[0].get_ref<const std::string&>(), m[1].get_ref<const std::string&>()};
    }
    fail(ErrorCode::invalid_file, file, fmt::format("model.merges[{}] is {}, not \"left right\" or [left, right]", i, m.dump()));
}

class VocabBuilder {
public:
    VocabBuilder(const json& tokenizer, std::optional<uint64_t> vocab_size, const std::string& file)
        : file_(file), limit_(vocab_size.value_or(kMaxVocab)) {
        if (!tokenizer.contains("model") || !tokenizer["model"].is_object())
            fail(ErrorCode::invalid_file, file, "no \"model\" object (is this a Hugging Face tokenizer.json?)");
        const json& model = tokenizer["model"];
        const std::string type = model.value("type", "");
        if (type != "BPE")
            fail(ErrorCode::unsupported, file,
                 fmt::format("model.type \"{}\" is not supported (hearth converts BPE tokenizers: byte-level like "
                             "Llama 3 and Qwen, or SentencePiece-style with byte_fallback like Llama 2 and Gemma)",
                             type));
        spm_ = model.value("byte_fallback", false);
        if (!spm_ && !mentions_type(tokenizer.value("pre_tokenizer", json()), "ByteLevel") &&
            !mentions_type(tokenizer.value("decoder", json()), "ByteLevel"))
            fail(ErrorCode::unsupported, file,
                 "a BPE model with neither byte_fallback nor a ByteLevel pre-tokenizer/decoder is not supported");
        // gguf-py would write tokenizer.ggml.normalizer_lowercase, which neither hearth's nor
        // llama.cpp's BPE tokenizers apply: refuse rather than give other ids than the model's.
        if (mentions_type(tokenizer.value("normalizer", json()), "Lowercase") || mentions_type(tokenizer.value("normalizer", json()), "BertNormalizer"))
            fail(ErrorCode::unsupported, file, "a lowercasing normalizer is not supported");
        if (model.contains("unk_token") && model["unk_token"].is_string()) unk_ = model["unk_token"].get<std::string>();

        if (!model.contains("vocab") || !model["vocab"].is_object())
            fail(ErrorCode::invalid_file, file, "model.vocab is not an object of token: id");
        for (const auto& [text, id] : model["vocab"].items())
            place(read_id(id, limit_, file, fmt::format("model.vocab[{}]", json(text).dump())), text, false, false);
        static const json none = json::array();
        const json& added = tokenizer.contains("added_tokens") ? tokenizer["added_tokens"] : none;
        if (!added.is_array()) fail(ErrorCode::invalid_file, file, "added_tokens is not an array");
        for (size_t i = 0; i < added.size(); ++i) {
            const json& a = added[i];
            if (!a.is_object() || !a.contains("content") || !a["content"].is_string())
                fail(ErrorCode::invalid_file, file, fmt::format("added_tokens[{}] has no string \"content\"", i));
            place(read_id(a.value("id", json()), limit_, file, fmt::format("added_tokens[{}].id", i)),
                  a["content"].get<std::string>(), true, a.value("special", false));
        }
        merges_ = model.contains("merges") ? &model["merges"] : &none;
        if (!merges_->is_array()) fail(ErrorCode::invalid_file, file, "model.merges is not an array");
        if (!vocab_size) limit_ = entries_.size();
    }

    HfVocab build(const json& tokenizer) {
        HfVocab v;
        v.model = spm_ ? "llama" : "gpt2";
        index_texts();
        std::vector<int64_t> rank;  // SentencePiece-style: first merge producing each id
        if (spm_)
            rank = merge_ranks();
        else
            v.merges = byte_level_merges();
        v.tokens.reserve(limit_);
        v.types.reserve(limit_);
        for (uint64_t id = 0; id < limit_; ++id) {
            static const Entry none;
            const Entry& e = id < entries_.size() ? entries_[id] : none;
            const bool present = e.type != TokenType::unused;
            v.tokens.push_back(present ? e.text : fmt::format("[PAD{}]", id));
            v.types.push_back(static_cast<int32_t>(present ? e.type : TokenType::unused));
            if (!spm_) continue;
            // Merged tokens rank by their first merge (a higher score merges first in llama.cpp's
            // SentencePiece tokenizer, as a lower rank does in tokenizer.json); other scores do not
            // take part in tokenizing and follow llama.cpp's converter.
            float score = present ? (e.type == TokenType::normal || e.type == TokenType::byte ? 0.0f : -1000.0f) : -10000.0f;
            if (present && e.type == TokenType::normal && rank[id] >= 0) score = -static_cast<float>(rank[id]);
            v.scores.push_back(score);
        }
        if (spm_) v.space_prefix = prepends_space(tokenizer.value("normalizer", json())) || prepends_space(tokenizer.value("pre_tokenizer", json()));
        return v;
    }

private:
    void place(uint32_t id, std::string text, bool added, bool special) {
        if (text.empty()) fail(ErrorCode::invalid_file, file_, fmt::format("token {} has empty text", id));
        if (id >= entries_.size()) entries_.resize(id + 1);
        Entry& e = entries_[id];
        if (e.type != TokenType::unused && !(added && !e.added))
            fail(ErrorCode::invalid_file, file_,
                 fmt::format("id {} is given twice, to {} and {}", id, json(e.text).dump(), json(text).dump()));
        // An added token replaces the vocabulary entry of its id, as in llama.cpp's converter.
        e.added = added;
        if (spm_ && text == unk_) {
            // SentencePiece's unknown piece stays UNKNOWN even where tokenizer.json also lists it
            // as a special added token (llama.cpp's SentencePiece vocabularies have it so).
            e.type = TokenType::unknown;
        } else if (!added) {
            e.type = spm_ && is_byte_token(text) ? TokenType::byte : TokenType::normal;
        } else if (special || looks_special(text)) {
            e.type = TokenType::control;
        } else {
            // llama.cpp matches user-defined tokens in the raw text, where spaces are still spaces.
            e.type = TokenType::user_defined;
            original_.emplace(id, text);
            text = replace_all(std::move(text), kMetaspace, " ");
        }
        e.text = std::move(text);
    }

    void index_texts() {
        by_text_.reserve(entries_.size());
        for (uint32_t id = 0; id < entries_.size(); ++id) {
            if (entries_[id].type == TokenType::unused) continue;
            const auto [it, fresh] = by_text_.emplace(entries_[id].text, id);
            if (!fresh)
                fail(ErrorCode::invalid_file, file_,
                     fmt::format("token {} appears twice, at ids {} and {}", json(entries_[id].text).dump(), it->second, id));
        }
        // Merges name user-defined tokens by their text before "▁" became " ".
        for (const auto& [id, text] : original_) by_text_.emplace(text, id);
    }

    uint32_t known(std::string_view text, size_t i) const {
        const auto it = by_text_.find(text);
        if (it == by_text_.end())
            fail(ErrorCode::invalid_file, file_,
                 fmt::format("model.merges[{}] uses {}, which is not in the vocabulary", i, json(std::string(text)).dump()));
        return it->second;
    }

    // The id of what merges[i] produces (both parts and the result must be tokens).
    uint32_t merged(std::string_view l, std::string_view r, size_t i) {
        known(l, i);
        known(r, i);
        joined_.assign(l).append(r);
        return known(joined_, i);
    }

    std::vector<int64_t> merge_ranks() {
        std::vector<int64_t> rank(entries_.size(), -1);
        for (size_t i = 0; i < merges_->size(); ++i) {
            const auto [l, r] = merge_parts((*merges_)[i], i, file_);
            int64_t& first = rank[merged(l, r, i)];
            if (first < 0) first = static_cast<int64_t>(i);
        }
        return rank;
    }

    std::vector<std::string> byte_level_merges() {
        std::vector<std::string> out;
        out.reserve(merges_->size());
        for (size_t i = 0; i < merges_->size(); ++i) {
            const auto [l, r] = merge_parts((*merges_)[i], i, file_);
            merged(l, r, i);
            // GGUF keeps the "left right" form; a space inside a part becomes U+0120 as gguf-py does.
            out.push_back(replace_all(std::string(l), " ", "\xC4\xA0") + " " + replace_all(std::string(r), " ", "\xC4\xA0"));
        }
        return out;
    }

    std::string file_;
    uint64_t limit_;
    bool spm_ = false;
    std::string unk_;
    std::vector<Entry> entries_;
    std::unordered_map<uint32_t, std::string> original_;
    std::unordered_map<std::string_view, uint32_t> by_text_;  // views of entries_ and original_
    std::string joined_;
    const json* merges_ = nullptr;  // in the caller's tokenizer.json
};

}  // namespace

bool looks_special(std::string_view t) {
    auto wrapped = [t](std::string_view open, std::string_view close) {
        return t.size() >= open.size() + close.size() && t.substr(0, open.size()) == open && t.substr(t.size() - close.size()) == close;
    };
    return t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]" || wrapped("<|", "|>") ||
           wrapped("<\xEF\xBD\x9C", "\xEF\xBD\x9C>") /* <｜...｜> */ || wrapped("<unused", ">");
}

HfVocab read_hf_vocab(const json& tokenizer, std::optional<uint64_t> vocab_size, const std::string& file) {
    VocabBuilder b(tokenizer, vocab_size, file);
    return b.build(tokenizer);
}

}  // namespace hearth::convert
