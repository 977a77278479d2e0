// Parser for flat JSON objects (see json.hpp): a small recursive-descent reader that checks
// every byte it consumes and decodes \uXXXX escapes including surrogate pairs.
#include "json.hpp"

#include "tokenizer/unicode.hpp"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace hearth::cli {

namespace {

class Reader {
public:
    explicit Reader(std::string_view s) : s_(s) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("JSON: " + what + " at offset " + std::to_string(i_));
    }
    void skip_space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool at_end() const { return i_ >= s_.size(); }
    char peek() {
        skip_space();
        if (at_end()) fail("unexpected end");
        return s_[i_];
    }
    void expect(char c) {
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++i_;
    }
    bool consume_word(std::string_view w) {
        if (s_.substr(i_, w.size()) != w) return false;
        i_ += w.size();
        return true;
    }

    std::string string() {
        expect('"');
        std::string out;
        while (true) {
            if (at_end()) fail("unterminated string");
            const char c = s_[i_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (at_end()) fail("unterminated escape");
            const char e = s_[i_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': unicode::append_utf8(out, unicode_escape()); break;
                default: fail("bad escape");
            }
        }
    }

    JsonField value() {
        JsonField f;
        const char c = peek();
        if (c == '"') {
            f.kind = JsonField::Kind::string;
            f.text = string();
        } else if (consume_word("true")) {
            f.kind = JsonField::Kind::boolean;
            f.flag = true;
        } else if (consume_word("false")) {
            f.kind = JsonField::Kind::boolean;
        } else if (consume_word("null")) {
            f.kind = JsonField::Kind::null;
        } else if (c == '[') {
            f.kind = JsonField::Kind::number_array;
            ++i_;
            if (peek() == ']') {
                ++i_;
                return f;
            }
            while (true) {
                f.numbers.push_back(number());
                if (peek() == ']') {
                    ++i_;
                    return f;
                }
                expect(',');
            }
        } else {
            f.kind = JsonField::Kind::number;
            f.number = number();
        }
        return f;
    }

private:
    double number() {
        skip_space();
        const size_t start = i_;
        while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' || s_[i_] == '+' ||
                                  s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E'))
            ++i_;
        if (i_ == start) fail("expected a value");
        const std::string text(s_.substr(start, i_ - start));
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (end != text.c_str() + text.size()) fail("bad number '" + text + "'");
        return v;
    }
    uint32_t hex4() {
        if (i_ + 4 > s_.size()) fail("short \\u escape");
        uint32_t v = 0;
        for (int k = 0; k < 4; ++k) {
            const char h = s_[i_++];
            v <<= 4;
            if (h >= '0' && h <= '9') v |= h - '0';
            else if (h >= 'a' && h <= 'f') v |= h - 'a' + 10;
            else if (h >= 'A' && h <= 'F') v |= h - 'A' + 10;
            else fail("bad hex digit in \\u escape");
        }
        return v;
    }
    // A lone surrogate becomes U+FFFD, as JavaScript and Python do when encoding to UTF-8.
    uint32_t unicode_escape() {
        const uint32_t hi = hex4();
        if (hi < 0xD800 || hi > 0xDFFF) return hi;
        if (hi >= 0xDC00) return 0xFFFD;
        if (s_.substr(i_, 2) != "\\u") return 0xFFFD;
        const size_t save = i_;
        i_ += 2;
        const uint32_t lo = hex4();
        if (lo < 0xDC00 || lo > 0xDFFF) {
            i_ = save;  // not a pair: the next escape stands on its own
            return 0xFFFD;
        }
        return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    }
    std::string_view s_;
    size_t i_ = 0;
};

}  // namespace

JsonObject JsonObject::parse(std::string_view line) {
    Reader r(line);
    JsonObject obj;
    r.expect('{');
    if (r.peek() != '}') {
        while (true) {
            std::string key = r.string();
            r.expect(':');
            obj.fields_[std::move(key)] = r.value();
            if (r.peek() == '}') break;
            r.expect(',');
        }
    }
    r.expect('}');
    r.skip_space();
    if (!r.at_end()) r.fail("trailing characters");
    return obj;
}

const JsonField* JsonObject::typed(const std::string& key, JsonField::Kind kind) const {
    const auto it = fields_.find(key);
    if (it == fields_.end() || it->second.kind == JsonField::Kind::null) return nullptr;
    if (it->second.kind != kind) throw std::runtime_error("JSON: field '" + key + "' has the wrong type");
    return &it->second;
}

std::optional<std::string> JsonObject::get_string(const std::string& key) const {
    const JsonField* f = typed(key, JsonField::Kind::string);
    return f ? std::optional<std::string>(f->text) : std::nullopt;
}
std::optional<bool> JsonObject::get_bool(const std::string& key) const {
    const JsonField* f = typed(key, JsonField::Kind::boolean);
    return f ? std::optional<bool>(f->flag) : std::nullopt;
}
std::optional<double> JsonObject::get_number(const std::string& key) const {
    const JsonField* f = typed(key, JsonField::Kind::number);
    return f ? std::optional<double>(f->number) : std::nullopt;
}
std::optional<std::vector<double>> JsonObject::get_numbers(const std::string& key) const {
    const JsonField* f = typed(key, JsonField::Kind::number_array);
    return f ? std::optional<std::vector<double>>(f->numbers) : std::nullopt;
}

}  // namespace hearth::cli
