// Tokenizer's public entry points: encode (special-token split, then SentencePiece, byte-level
// BPE or WordPiece per fragment, BOS/SEP/EOS as the model asks), decode, and vocabulary queries.
#include "hearth/tokenizer.hpp"

#include <fmt/format.h>

#include "hearth/error.hpp"
#include "tokenizer_impl.hpp"

namespace hearth {

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
    const Impl& t = *impl_;
    if (text.size() >= (size_t{1} << 31))
        throw Error(ErrorCode::invalid_argument, fmt::format("tokenizer: text of {} bytes is too long (limit 2 GiB)", text.size()));
    std::vector<TokenId> out;
    out.reserve(text.size() / 3 + 4);
    std::vector<tok::Fragment> fragments;
    t.special.partition(text, parse_special, fragments);

    if (add_special && t.add_bos) out.push_back(t.bos);
    // SentencePiece: a raw fragment gets the leading space when it starts the text or follows a
    // special token (llama.cpp's is_prev_special, true at the start).
    bool prev_special = true;
    for (const tok::Fragment& f : fragments) {
        if (f.token >= 0) {
            out.push_back(f.token);
            prev_special = true;
            continue;
        }
        const std::string_view raw = text.substr(f.begin, f.end - f.begin);
        if (t.kind == Impl::Kind::spm) {
            t.encode_spm(raw, t.add_space_prefix && prev_special, out);
        } else if (t.kind == Impl::Kind::wpm) {
            t.encode_wpm(raw, out);
        } else {
            t.encode_bpe(raw, out);
        }
        prev_special = false;
    }
    if (add_special && t.add_sep) out.push_back(t.sep);
    if (add_special && t.add_eos) out.push_back(t.eos);
    return out;
}

std::string Tokenizer::token_to_bytes(TokenId id, bool render_special) const {
    const Impl& t = *impl_;
    if (id < 0 || static_cast<size_t>(id) >= t.texts.size())
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("tokenizer: token id {} is outside the vocabulary (size {})", id, t.texts.size()));
    const TokenType type = t.types[id];
    if (!render_special && (type == TokenType::control || type == TokenType::unknown)) return {};
    return std::string(t.piece(id));
}

std::string Tokenizer::decode(std::span<const TokenId> ids, bool render_special) const {
    std::string out;
    for (size_t i = 0; i < ids.size(); ++i) {
        std::string piece = token_to_bytes(ids[i], render_special);
        // llama_detokenize drops the space add_space_prefix put before the first token's text.
        if (i == 0 && impl_->add_space_prefix && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
        out += piece;
    }
    return out;
}

std::string_view Tokenizer::token_text(TokenId id) const {
    if (id < 0 || static_cast<size_t>(id) >= impl_->texts.size())
        throw Error(ErrorCode::invalid_argument, fmt::format("tokenizer: token id {} is outside the vocabulary", id));

    return impl_->texts[id];
}

size_t Tokenizer::n_vocab() const noexcept { return impl_->texts.size(); }
std::string_view Tokenizer::model_kind() const noexcept {
    switch (impl_->kind) {
        case Impl::Kind::spm: return "llama";
        case Impl::Kind::bpe: return "gpt2";
        case Impl::Kind::wpm: return "bert";
    }
    return "gpt2";
}
std::string_view Tokenizer::pre_tokenizer() const noexcept { return impl_->pre_name; }
TokenId Tokenizer::bos() const noexcept { return impl_->bos; }
TokenId Tokenizer::eos() const noexcept { return impl_->eos; }
bool Tokenizer::add_bos() const noexcept { return impl_->add_bos; }
bool Tokenizer::add_eos() const noexcept { return impl_->add_eos; }

TokenType Tokenizer::token_type(TokenId id) const noexcept {
    if (id < 0 || static_cast<size_t>(id) >= impl_->types.size()) return TokenType::undefined;
    return impl_->types[id];
}

bool Tokenizer::is_end_of_generation(TokenId id) const noexcept {
    return id >= 0 && static_cast<size_t>(id) < impl_->eog.size() && impl_->eog[id] != 0;
}

TokenId Tokenizer::find_token(std::string_view text) const noexcept { return impl_->lookup(text); }

}  // namespace hearth
