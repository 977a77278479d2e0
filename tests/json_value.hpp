// A small JSON reader for tests that check the CLI's --json output (nested objects and arrays).
// Test-only: the CLI's own line reader (tools/hearth/json.hpp) handles flat objects only.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::test {

struct JsonValue {
    enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
    bool flag = false;
    double number = 0;
    std::string text;
    std::vector<JsonValue> items;
    std::map<std::string, JsonValue> fields;

    const JsonValue& operator[](const std::string& key) const {
        auto it = fields.find(key);
        if (it == fields.end()) throw std::runtime_error("json: no key '" + key + "'");
        return it->second;
    }
    const JsonValue& operator[](size_t i) const { return items.at(i); }

    static JsonValue parse(std::string_view s) {
        size_t i = 0;
        JsonValue v = parse_value(s, i);
        skip_ws(s, i);
        if (i != s.size()) throw std::runtime_error("json: trailing text at " + std::to_string(i));
        return v;
    }

private:
    static void skip_ws(std::string_view s, size_t& i) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
    }
    static void expect(std::string_view s, size_t& i, char c) {
        skip_ws(s, i);
        if (i >= s.size() || s[i] != c) throw std::runtime_error(std::string("json: expected '") + c + "' at " + std::to_string(i));
        ++i;
    }
    static std::string parse_string(std::string_view s, size_t& i) {
        expect(s, i, '"');
        std::string out;
        while (i < s.size() && s[i] != '"') {
            if (s[i] == '\\') {
                ++i;
                if (i >= s.size()) break;
                char e = s[i++];
                if (e == 'n') out += '\n';
                else if (e == 't') out += '\t';
                else if (e == 'r') out += '\r';
                else if (e == 'b') out += '\b';
                else if (e == 'f') out += '\f';
                else if (e == 'u') {
                    unsigned cp = static_cast<unsigned>(std::stoul(std::string(s.substr(i, 4)), nullptr, 16));
                    i += 4;
                    if (cp < 0x80) out += static_cast<char>(cp);
                    else if (cp < 0x800) { out += char(0xC0 | (cp >> 6)); out += char(0x80 | (cp & 0x3F)); }
                    else { out += char(0xE0 | (cp >> 12)); out += char(0x80 | ((cp >> 6) & 0x3F)); out += char(0x80 | (cp & 0x3F)); }
                } else out += e;
            } else {
                out += s[i++];
            }
        }
        expect(s, i, '"');
        return out;
    }
    static JsonValue parse_value(std::string_view s, size_t& i) {
        skip_ws(s, i);
        if (i >= s.size()) throw std::runtime_error("json: unexpected end");
        JsonValue v;
        char c = s[i];
        if (c == '{') {
            v.kind = Kind::object;
            ++i;
            skip_ws(s, i);
            if (i < s.size() && s[i] == '}') { ++i; return v; }
            for (;;) {
                std::string k = parse_string(s, i);
                expect(s, i, ':');
                v.fields[k] = parse_value(s, i);
                skip_ws(s, i);
                if (i < s.size() && s[i] == ',') { ++i; continue; }
                expect(s, i, '}');
                return v;
            }
        }
        if (c == '[') {
            v.kind = Kind::array;
            ++i;
            skip_ws(s, i);
            if (i < s.size() && s[i] == ']') { ++i; return v; }
            for (;;) {
                v.items.push_back(parse_value(s, i));
                skip_ws(s, i);
                if (i < s.size() && s[i] == ',') { ++i; continue; }
                expect(s, i, ']');
                return v;
            }
        }
        if (c == '"') {
            v.kind = Kind::string;
            v.text = parse_string(s, i);
            return v;
        }
        if (s.substr(i, 4) == "true") { i += 4; v.kind = Kind::boolean; v.flag = true; return v; }
        if (s.substr(i, 5) == "false") { i += 5; v.kind = Kind::boolean; return v; }
        if (s.substr(i, 4) == "null") { i += 4; return v; }
        size_t used = 0;
        v.kind = Kind::number;
        v.number = std::stod(std::string(s.substr(i, 40)), &used);
        i += used;
        return v;
    }
};

}  // namespace hearth::test
