// hearth tokenize: text -> token ids with the model's own vocabulary, either for one text given
// on the command line or as a batch of JSON lines on stdin (the form the golden tests use).
#include <cstdio>
#include <iostream>
#include <string>

#include "args.hpp"
#include "commands.hpp"
#include "model_summary.hpp"
#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"
#include "json.hpp"
#include "json_writer.hpp"

namespace hearth::cli {

namespace {

constexpr const char* kUsage =
    "usage: hearth tokenize -m MODEL [--no-special] [--no-bos] TEXT...\n"
    "       hearth tokenize -m MODEL [--no-special] --jsonl < lines.jsonl\n"
    "\n"
    "Splits text into the model's token ids exactly as llama.cpp does.\n"
    "\n"
    "  -m, --model MODEL  GGUF file whose tokenizer.ggml.* vocabulary is used\n"
    "  --no-special       do not recognise special token texts such as <|im_start|>\n"
    "                     (user-defined tokens are still recognised, as in llama.cpp)\n"
    "  --no-bos           TEXT mode: do not add BOS/EOS even if the model asks for them\n"
    "  --jsonl            read one JSON object per line on stdin and write one line back:\n"
    "                       in:  {\"text\": \"...\", \"add_special\": false, \"parse_special\": true}\n"
    "                       out: {\"ids\": [...]}   (or {\"error\": \"...\"} for a bad line)\n"
    "                     add_special (BOS/EOS as the model asks) defaults to false, so lines\n"
    "                     of ../shared/reference/*/tokenize.jsonl compare as they are;\n"
    "                     parse_special defaults to true (false with --no-special);\n"
    "                     other fields (e.g. \"ids\") are ignored.\n";

void append_ids(std::string& out, const std::vector<TokenId>& ids) {
    out += '[';
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i) out += ", ";
        out += std::to_string(ids[i]);
    }
    out += ']';
}

int run_jsonl(const Tokenizer& tok, bool parse_special_default) {
    std::string line;
    std::string out;
    int status = 0;
    while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        out.clear();
        try {
            const JsonObject obj = JsonObject::parse(line);
            const std::string text = obj.get_string("text").value_or("");
            const bool add_special = obj.get_bool("add_special").value_or(false);
            const bool parse_special = obj.get_bool("parse_special").value_or(parse_special_default);
            const std::vector<TokenId> ids = tok.encode(text, add_special, parse_special);
            out += "{\"ids\": ";
            append_ids(out, ids);
            out += "}\n";
        } catch (const std::exception& e) {
            out = "{\"error\": ";
            append_json_string(out, e.what());
            out += "}\n";
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
        append_json_string(out, tok.token_to_bytes(id, true));
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
    Args args(argv);
    if (args.help()) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    const std::optional<std::string> model = args.value({"-m", "--model"});
    const bool no_special = args.flag({"--no-special"});
    const bool no_bos = args.flag({"--no-bos"});
    const bool jsonl = args.flag({"--jsonl"});
    const std::vector<std::string> words = args.positional();
    args.finish();
    if (!model) throw UsageError("missing -m MODEL");
    if (jsonl && !words.empty()) throw UsageError("--jsonl reads stdin; do not pass TEXT");
    if (!jsonl && words.empty()) throw UsageError("missing TEXT (or use --jsonl)");

    const gguf::File file = gguf::File::open(resolve_model_arg(*model));
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
