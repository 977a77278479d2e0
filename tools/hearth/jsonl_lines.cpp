// Reading JSON request lines from stdin and answering each with one line (jsonl_lines.hpp).
#include "jsonl_lines.hpp"

#include <cstdio>
#include <iostream>
#include <stdexcept>

namespace hearth::cli {

namespace {

// JSON allows "\ud800" alone, but it is no character: JavaScript and Python turn such a string
// into U+FFFD when they encode it, and so does hearth (nlohmann-json would reject the line).
std::string replace_lone_surrogates(const std::string& line) {
    auto code_at = [&](size_t i) -> int {  // the value of the \uXXXX escape at i, or -1
        if (i + 6 > line.size() || line[i] != '\\' || line[i + 1] != 'u') return -1;
        int v = 0;
        for (size_t k = i + 2; k < i + 6; ++k) {
            const char c = line[k];
            const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) return -1;
            v = v * 16 + d;
        }
        return v;
    };
    std::string out;
    out.reserve(line.size());
    for (size_t i = 0; i < line.size();) {
        if (line[i] != '\\') {
            out += line[i++];
            continue;
        }
        const int v = code_at(i);
        if (v < 0) {  // another escape: copy it whole, so "\\ud800" stays a backslash and text
            out.append(line, i, 2);
            i += 2;
            continue;
        }
        const bool high = v >= 0xD800 && v <= 0xDBFF, low = v >= 0xDC00 && v <= 0xDFFF;
        const int next = high ? code_at(i + 6) : -1;
        if (high && next >= 0xDC00 && next <= 0xDFFF) {  // a valid pair
            out.append(line, i, 12);
            i += 12;
        } else {
            out += high || low ? std::string("\\ufffd") : line.substr(i, 6);
            i += 6;
        }
    }
    return out;
}

// One line of stdin -> its request object; std::runtime_error saying what is wrong with the line.
nlohmann::json parse_request(const std::string& line) {
    if (line.find_first_not_of(" \t") == std::string::npos) throw std::runtime_error("empty line: expected a JSON object");
    nlohmann::json request = nlohmann::json::parse(replace_lone_surrogates(line));  // throws json::parse_error
    if (!request.is_object()) throw std::runtime_error("expected a JSON object with a string \"text\"");
    const auto text = request.find("text");
    if (text == request.end() || !text->is_string()) throw std::runtime_error("\"text\" must be a string");
    return request;
}

}  // namespace

bool jsonl_flag(const nlohmann::json& request, const char* key, bool fallback) {
    const auto it = request.find(key);
    if (it == request.end()) return fallback;
    if (!it->is_boolean()) throw std::runtime_error(std::string("\"") + key + "\" must be true or false");
    return it->get<bool>();
}

int answer_jsonl_lines(const std::function<std::string(const nlohmann::json& request)>& answer) {
    std::string line;
    std::string out;
    int status = 0;
    while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        try {
            out = answer(parse_request(line)) + "\n";
        } catch (const std::exception& e) {
            const nlohmann::json error = {{"error", e.what()}};
            out = error.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
            status = 1;
        }
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fflush(stdout);
    }
    return status;
}

}  // namespace hearth::cli
