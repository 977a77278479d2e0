// Tokenizer::from_gguf: reads tokenizer.ggml.* into owned tables and applies llama.cpp's
// load-time rules (default special ids, add_bos/add_eos, control-type fix-ups, EOG set).
#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <iterator>

#include <fmt/format.h>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "tokenizer_impl.hpp"
#include "unicode.hpp"

namespace hearth {

namespace {

using Impl = Tokenizer::Impl;

[[noreturn]] void fail(ErrorCode code, const gguf::File& file, const std::string& what) {
    throw Error(code, file.name() + ": " + what);
}

TokenType type_from_int(int64_t v) {
    return (v >= 0 && v <= 6) ? static_cast<TokenType>(v) : TokenType::undefined;
}

bool one_of(std::string_view s, std::initializer_list<std::string_view> list) {
    // Every role text starts with one of these bytes; the check keeps the scans over 150k tokens cheap.
    if (s.empty() || (s[0] != '<' && s[0] != '_' && s[0] != '[' && s[0] != '\xE2')) return false;
    return std::find(list.begin(), list.end(), s) != list.end();
}

void load_texts(Impl& t, const gguf::File& file) {
    const auto tokens = file.get_array("tokenizer.ggml.tokens", gguf::ValueType::string).strings();
    if (tokens.empty()) fail(ErrorCode::invalid_file, file, "tokenizer.ggml.tokens is empty");
    if (tokens.size() >= (size_t{1} << 30)) fail(ErrorCode::invalid_file, file, "tokenizer.ggml.tokens has too many entries");
    size_t total = 0;
    for (std::string_view s : tokens) total += s.size();
    // Offsets into the copied texts are 32-bit; real vocabularies hold a few MB.
    if (total >= (size_t{1} << 30)) fail(ErrorCode::invalid_file, file, "tokenizer.ggml.tokens holds more than 1 GiB of text");
    t.arena.reserve(total);
    for (std::string_view s : tokens) t.arena += s;
    t.texts.reserve(tokens.size());
    t.ids.reserve(tokens.size());
    size_t at = 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
        t.texts.push_back(std::string_view(t.arena).substr(at, tokens[i].size()));
        at += tokens[i].size();
        if (!t.texts.back().empty()) t.ids.emplace(t.texts.back(), static_cast<TokenId>(i));
    }

    const size_t n = tokens.size();
    t.scores.assign(n, 0.0f);
    if (const gguf::Value* v = file.find("tokenizer.ggml.scores")) {
        if (v->type() != gguf::ValueType::array || v->array_size() < n ||
            (v->array_type() != gguf::ValueType::f32 && v->array_type() != gguf::ValueType::i32))
            fail(ErrorCode::invalid_file, file, "tokenizer.ggml.scores must be an f32/i32 array with one entry per token");
        for (size_t i = 0; i < n; ++i) t.scores[i] = static_cast<float>(v->float_at(i).value_or(0.0));
    }
    t.types.assign(n, TokenType::normal);
    if (const gguf::Value* v = file.find("tokenizer.ggml.token_type")) {
        if (v->type() != gguf::ValueType::array || v->array_size() < n || v->array_type() != gguf::ValueType::i32)
            fail(ErrorCode::invalid_file, file, "tokenizer.ggml.token_type must be an i32 array with one entry per token");
        for (size_t i = 0; i < n; ++i) t.types[i] = type_from_int(v->int_at(i).value_or(0));
    }
}

// Special ids and add_* flags; defaults per model family, then the metadata keys.
void load_specials(Impl& t, const gguf::File& file) {
    const auto n = static_cast<int64_t>(t.texts.size());
    auto in_range = [&](TokenId id) { return id >= 0 && id < n ? id : TokenId{-1}; };
    // A special id outside the vocabulary is an error: llama.cpp warns and falls back to a default
    // id, which silently gives a model the wrong BOS/EOS.
    auto key_id = [&](const char* key, TokenId fallback) {
        const auto id = file.get_uint_opt(key);  // throws for a value that is not a non-negative integer
        if (!id) return fallback;
        if (*id >= static_cast<uint64_t>(n))
            fail(ErrorCode::invalid_file, file,
                 fmt::format("{} = {} is outside the vocabulary [0, {})", key, *id, n));
        return static_cast<TokenId>(*id);
    };
    const bool spm = t.kind == Impl::Kind::spm, wpm = t.kind == Impl::Kind::wpm;
    // llama.cpp's defaults for WordPiece are BERT's ids: [CLS] 101, [UNK] 100, [SEP] 102, no EOS.
    t.bos = key_id("tokenizer.ggml.bos_token_id", in_range(spm ? 1 : wpm ? 101 : 11));
    t.eos = key_id("tokenizer.ggml.eos_token_id", in_range(spm ? 2 : wpm ? -1 : 11));
    t.unk = key_id("tokenizer.ggml.unknown_token_id", in_range(spm ? 0 : wpm ? 100 : -1));
    if (wpm) {  // a text is [CLS] ... [SEP]; the [SEP] is not an EOS (BERT GGUFs may name none)
        t.sep = key_id("tokenizer.ggml.seperator_token_id", in_range(102));
        t.add_sep = file.get_bool_opt("tokenizer.ggml.add_sep_token").value_or(true) && t.sep >= 0;
    }
    t.add_bos = file.get_bool_opt("tokenizer.ggml.add_bos_token").value_or(spm || wpm || t.pre.default_add_bos);
    // WordPiece ends a text with [SEP] (add_sep), never with an EOS as well.
    t.add_eos = !wpm && file.get_bool_opt("tokenizer.ggml.add_eos_token").value_or(false);
    t.add_space_prefix = !wpm && file.get_bool_opt("tokenizer.ggml.add_space_prefix").value_or(spm);
    if (t.add_bos && t.bos < 0) t.add_bos = false;
    if (t.add_eos && t.eos < 0) t.add_eos = false;

    // llama.cpp recognises some roles by token text and forces those tokens to control type,
    // which decides whether they are split out of text without parse_special.
    struct Role {
        const char* key;
        std::initializer_list<std::string_view> texts;
        bool eog;
    };
    const std::string_view eos_sentence = "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";
    const Role roles[] = {
        {"tokenizer.ggml.eot_token_id", {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
                                         "<EOT>", "_<EOT>", "[EOT]", eos_sentence, "<end_of_utterance>"}, true},
        {"tokenizer.ggml.eom_token_id", {"<|eom_id|>"}, true},
        {"tokenizer.ggml.fim_pre_token_id", {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "begin\xEF\xBD\x9C>",
                                             "<PRE>", "\xE2\x96\x81<PRE>", "<|code_prefix|>", "<|prefix|>"}, false},
        {"tokenizer.ggml.fim_suf_token_id", {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81hole\xEF\xBD\x9C>",
                                             "<SUF>", "\xE2\x96\x81<SUF>", "<|code_suffix|>", "<|suffix|>"}, false},
        {"tokenizer.ggml.fim_mid_token_id", {"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "end\xEF\xBD\x9C>",
                                             "<MID>", "\xE2\x96\x81<MID>", "<|code_middle|>", "<|middle|>"}, false},
        {"tokenizer.ggml.fim_pad_token_id", {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"}, true},
        {"tokenizer.ggml.fim_rep_token_id", {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}, true},
        {"tokenizer.ggml.fim_sep_token_id", {"<|file_sep|>"}, true},
    };
    t.eog.assign(t.texts.size(), 0);
    for (const Role& role : roles) {
        TokenId id = key_id(role.key, -1);
        for (size_t i = 0; id < 0 && i < t.texts.size(); ++i) {
            if (!one_of(t.texts[i], role.texts)) continue;
            id = static_cast<TokenId>(i);
            t.types[i] = TokenType::control;
        }
        if (id >= 0 && role.eog) t.eog[id] = 1;
    }
    for (size_t i = 0; i < t.texts.size(); ++i) {
        const std::string_view s = t.texts[i];
        if (one_of(s, {"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
                       "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
                       "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", eos_sentence, "[e~["})) {
            t.eog[i] = 1;
            t.types[i] = TokenType::control;
        }
        // gpt-oss: always rendered
        if (one_of(s, {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"})) t.types[i] = TokenType::user_defined;
    }
    if (t.eos >= 0) t.eog[t.eos] = 1;
    // o200k_harmony / solar-open: "<|end|>" does not end generation next to "<|return|>" and "<|call|>".
    auto eog_text = [&](std::string_view text) {
        const TokenId id = t.lookup(text);
        return id >= 0 && t.eog[id] != 0;
    };
    const TokenId end_id = t.lookup("<|end|>");
    if (eog_text("<|end|>") && ((eog_text("<|return|>") && eog_text("<|call|>")) ||
                                ((eog_text("<|call|>") || eog_text("<|calls|>")) && eog_text("<|flush|>")))) {
        t.eog[end_id] = 0;
        t.types[end_id] = TokenType::user_defined;
    }
    // gemma4 / paddleocr: "</s>" is an ordinary token when "<|tool_response>" exists.
    const TokenId s_id = t.lookup("</s>");
    if (eog_text("</s>") && eog_text("<|tool_response>")) {
        t.eog[s_id] = 0;
        t.types[s_id] = TokenType::normal;
    }
}

// What each token renders as (special texts included; decode drops them unless asked).
void build_pieces(Impl& t) {
    t.piece_offsets.reserve(t.texts.size() + 1);
    t.pieces.reserve(t.arena.size());
    for (size_t id = 0; id < t.texts.size(); ++id) {
        t.piece_offsets.push_back(static_cast<uint32_t>(t.pieces.size()));
        const std::string_view s = t.texts[id];
        const TokenType type = t.types[id];
        if (type == TokenType::control || type == TokenType::unknown || type == TokenType::user_defined) {
            t.pieces += s;
        } else if (type == TokenType::normal && t.kind != Impl::Kind::bpe) {  // SentencePiece, WordPiece: "▁" is a space
            for (size_t i = 0; i < s.size(); ++i) {
                if (s.compare(i, 3, "\xE2\x96\x81") == 0) {
                    t.pieces += ' ';
                    i += 2;
                } else {
                    t.pieces += s[i];
                }
            }
        } else if (type == TokenType::normal) {
            for (size_t i = 0; i < s.size();) {
                const unicode::Decoded d = unicode::decode(s.data() + i, s.size() - i);
                const int byte = unicode::cp_to_byte(d.cp);
                if (byte >= 0) {
                    t.pieces += static_cast<char>(byte);
                } else if (s.size() > 64 || t.pieces.size() > 4 * t.arena.size() + (1u << 20)) {
                    // llama.cpp's marker below repeats the whole text per character: bounded here
                    // so a hostile vocabulary cannot make the table quadratic in its size.
                    t.pieces.append(s.substr(i, d.len));
                } else {  // llama.cpp's marker for a character outside the byte alphabet
                    t.pieces += "[UNK_BYTE_0x";
                    for (size_t k = 0; k < d.len; ++k)
                        fmt::format_to(std::back_inserter(t.pieces), "{:02x}", static_cast<uint8_t>(s[i + k]));

                    t.pieces += s;
                    t.pieces += ']';
                }
                i += d.len;
            }
        } else if (type == TokenType::byte && t.kind == Impl::Kind::spm && s.size() == 6 && s.substr(0, 3) == "<0x") {
            unsigned v = 0;
            if (std::sscanf(std::string(s.substr(3, 2)).c_str(), "%2x", &v) == 1) t.pieces += static_cast<char>(v);
        }
    }
    t.piece_offsets.push_back(static_cast<uint32_t>(t.pieces.size()));
}

}  // namespace

Tokenizer Tokenizer::from_gguf(const gguf::File& file) {
    auto t = std::make_unique<Impl>();
    const std::string_view model = file.get_string("tokenizer.ggml.model");
    if (model == "llama") {
        t->kind = Impl::Kind::spm;
    } else if (model == "gpt2") {
        t->kind = Impl::Kind::bpe;
        const std::string_view pre = file.get_string_opt("tokenizer.ggml.pre").value_or("default");
        t->pre_name = pre.empty() ? "default" : std::string(pre);
        const auto info = tok::pre_info(t->pre_name);
        if (!info)
            fail(ErrorCode::unsupported, file,
                 "tokenizer.ggml.pre '" + t->pre_name + "' is not supported (supported: " + std::string(tok::supported_pre_names()) + ")");
        t->pre = *info;
    } else if (model == "bert") {
        t->kind = Impl::Kind::wpm;
    } else {
        fail(ErrorCode::unsupported, file,
             "tokenizer.ggml.model '" + std::string(model) + "' is not supported (hearth reads 'llama', 'gpt2' and 'bert')");
    }
    load_texts(*t, file);
    load_specials(*t, file);
    t->special.build(t->texts, t->types);
    build_pieces(*t);
    if (t->kind == Impl::Kind::bpe) {
        t->build_bpe(file);
    } else if (t->kind == Impl::Kind::wpm) {
        t->build_wpm();
    } else {
        t->build_spm();
    }
    return Tokenizer(std::move(t));
}

}  // namespace hearth
