// hearth tokenize: text -> token ids with the model's own vocabulary, either for one text given
// on the command line or as a batch of JSON lines on stdin (the form the golden tests use).
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_app.hpp"
#include "commands.hpp"
#include "model_summary.hpp"
#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"

namespace hearth::cli {

namespace {

constexpr const char* kDescription =
    "Splits TEXT into the model's token ids exactly as llama.cpp does, or with --jsonl one JSON\n"
    "object per line of stdin, one line back for each:\n"
    "  in:  {\"text\": \"...\", \"add_special\": false, \"parse_special\": true}\n"
    "  out: {\"ids\": [...]}   (or {\"error\": \"...\"} for a bad line)\n"
    "add_special (BOS/EOS as the model asks) defaults to false, so lines of llama.cpp-style\n"
    "tokenize.jsonl files compare as they are; parse_special defaults to true (false with\n"
    "--no-special); other fields (e.g. \"ids\") are ignored; every input line, blank or bad ones\n"
    "too, gets exactly one output line.";

void append_ids(std::string& out, const std::vector<TokenId>& ids) {
    out += '[';
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i) out += ", ";
        out += std::to_string(ids[i]);
    }
    out += ']';
}

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

// One request line -> the ids; throws std::runtime_error saying what is wrong with the line.
std::vector<TokenId> tokenize_line(const Tokenizer& tok, const std::string& line, bool parse_special_default) {
    if (line.find_first_not_of(" \t") == std::string::npos) throw std::runtime_error("empty line: expected a JSON object");
    const nlohmann::json obj = nlohmann::json::parse(replace_lone_surrogates(line));  // throws json::parse_error
    if (!obj.is_object()) throw std::runtime_error("expected a JSON object with a string \"text\"");
    const auto text = obj.find("text");
    if (text == obj.end() || !text->is_string()) throw std::runtime_error("\"text\" must be a string");
    auto flag = [&](const char* key, bool fallback) {
        const auto it = obj.find(key);
        if (it == obj.end()) return fallback;
        if (!it->is_boolean()) throw std::runtime_error(std::string("\"") + key + "\" must be true or false");
        return it->get<bool>();
    };
    return tok.encode(text->get_ref<const std::string&>(), flag("add_special", false), flag("parse_special", parse_special_default));
}

// Every input line gets exactly one output line (blank and bad lines an error object), so the
// output lines up with the input.
int run_jsonl(const Tokenizer& tok, bool parse_special_default) {
    std::string line;
    std::string out;
    int status = 0;
    while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.clear();
        try {
            out += "{\"ids\": ";
            append_ids(out, tokenize_line(tok, line, parse_special_default));
            out += "}\n";
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

int run_text(const Tokenizer& tok, const std::string& text, bool add_special, bool parse_special) {
    const std::vector<TokenId> ids = tok.encode(text, add_special, parse_special);
    std::string out;
    for (TokenId id : ids) {
        char head[32];
        std::snprintf(head, sizeof head, "%7d -> ", id);
        out += head;
        // A token may be part of a UTF-8 sequence: its invalid bytes show as U+FFFD.
        out += nlohmann::json(tok.token_to_bytes(id, true)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        out += '\n';
    }
    out += "ids: ";
    append_ids(out, ids);
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

}  // namespace

int cmd_tokenize(std::span<char*> argv) {
    CommandLine cli("tokenize", kDescription);
    cli.add_model("GGUF file (or a name from `hearth list`) whose tokenizer.ggml.* vocabulary is used",
                  {"TEXT", "the text (several words are joined with spaces)", SIZE_MAX});
    bool no_special = false, no_bos = false, jsonl = false;
    CLI::App& app = cli.app();
    app.add_flag("--no-special", no_special,
                 "do not recognise special token texts such as <|im_start|> (user-defined tokens are\n"
                 "still recognised, as in llama.cpp)");
    app.add_flag("--no-bos", no_bos, "TEXT mode: do not add BOS/EOS even if the model asks for them");
    app.add_flag("--jsonl", jsonl, "read JSON lines on stdin (see above)");
    if (!cli.parse(argv)) return 0;
    const std::vector<std::string>& words = cli.rest();
    if (jsonl && !words.empty()) throw UsageError("--jsonl reads stdin; do not pass TEXT");
    if (!jsonl && words.empty()) throw UsageError("missing TEXT (or use --jsonl)");

    const gguf::File file = gguf::File::open(resolve_model_arg(cli.model()));
    const Tokenizer tok = Tokenizer::from_gguf(file);
    if (jsonl) return run_jsonl(tok, !no_special);
    std::string text;
    for (size_t i = 0; i < words.size(); ++i) {
        if (i) text += ' ';
        text += words[i];
    }
    return run_text(tok, text, !no_bos, !no_special);
}

}  // namespace hearth::cli
