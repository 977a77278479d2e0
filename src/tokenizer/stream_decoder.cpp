// StreamDecoder: emits token text only in whole UTF-8 characters, holding back the bytes of a
// character that the next token may complete; bytes that can never become valid are U+FFFD.
#include "hearth/tokenizer.hpp"
#include "unicode.hpp"

namespace hearth {

namespace {
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
}  // namespace

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool render_special)
    : tokenizer_(&tokenizer), render_special_(render_special) {}

std::string StreamDecoder::push(TokenId id) {
    // The same text as Tokenizer::decode over the whole stream (first token's prefix space dropped).
    const std::string piece = first_ ? tokenizer_->decode(std::span<const TokenId>(&id, 1), render_special_)
                                     : tokenizer_->token_to_bytes(id, render_special_);
    first_ = false;
    pending_ += piece;

    std::string out;
    size_t i = 0;
    while (i < pending_.size()) {
        const std::string_view rest = std::string_view(pending_).substr(i);
        const size_t have = unicode::incomplete_prefix(rest);
        const auto b0 = static_cast<uint8_t>(rest[0]);
        const size_t need = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
        if (have == 0) {  // can never start a valid character
            out += kReplacement;
            ++i;
        } else if (have >= need) {
            out.append(rest.substr(0, need));
            i += need;
        } else if (have == rest.size()) {  // a valid start the next token may finish
            break;
        } else {  // valid start cut short by a wrong byte
            out += kReplacement;
            i += have;
        }
    }
    pending_.erase(0, i);
    return out;
}

std::string StreamDecoder::flush() {
    std::string out;
    if (!pending_.empty()) out += kReplacement;
    pending_.clear();
    return out;
}

}  // namespace hearth
