// hearth tokenize: text -> token ids with the model's own vocabulary, either for one text given
// on the command line or as a batch of JSON lines on stdin (the form the golden tests use).
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_app.hpp"
#include "commands.hpp"
#include "jsonl_lines.hpp"
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

// One request -> the ids.
std::vector<TokenId> tokenize_request(const Tokenizer& tok, const nlohmann::json& request, bool parse_special_default) {
    return tok.encode(request.at("text").get_ref<const std::string&>(), jsonl_flag(request, "add_special", false),
                      jsonl_flag(request, "parse_special", parse_special_default));
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
    if (jsonl)
        return answer_jsonl_lines([&](const nlohmann::json& request) {
            std::string out = "{\"ids\": ";
            append_ids(out, tokenize_request(tok, request, !no_special));
            return out + "}";
        });
    std::string text;
    for (size_t i = 0; i < words.size(); ++i) {
        if (i) text += ' ';
        text += words[i];
    }
    return run_text(tok, text, !no_bos, !no_special);
}

}  // namespace hearth::cli
