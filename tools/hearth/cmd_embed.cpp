// `hearth embed`: the embedding of each TEXT (or of each {"text": ...} line of stdin with
// --jsonl) as one JSON line {"embedding": [...]}. The vectors are Session::embed's.
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "generate_args.hpp"
#include "jsonl_lines.hpp"

namespace hearth::cli {

namespace {

constexpr const char* kDescription =
    "Prints the embedding of each TEXT, one JSON line {\"embedding\": [...]} per TEXT in order:\n"
    "the model's final hidden state (after the output norm), pooled over the text's tokens.\n"
    "The pooling is the model's <arch>.pooling_type, or last (the last token's state, what\n"
    "llama.cpp returns for a decoder model without one), unless --pooling says otherwise.\n"
    "BOS/EOS are added as the model asks. With --jsonl, each line of stdin is a request\n"
    "{\"text\": \"...\"} answered by one line, {\"error\": \"...\"} for a bad or too long one.";

std::string embedding_line(const std::vector<float>& v) { return nlohmann::json{{"embedding", v}}.dump(); }

}  // namespace

int cmd_embed(std::span<char*> argv) {
    CommandLine cli("embed", kDescription);
    ModelArgs m;
    add_model_options(cli, m, {"TEXT", "the texts to embed (each its own vector)", SIZE_MAX});
    CLI::App& app = cli.app();
    bool jsonl = false;
    EmbedOptions options;
    const CLI::Validator pooling(
        [](std::string& text) { return pooling_from_string(text) ? std::string() : fmt::format("must be mean, cls or last, not '{}'", text); },
        "");
    app.add_option_function<std::string>(
           "--pooling", [&options](const std::string& text) { options.pooling = pooling_from_string(text); },
           "mean, cls (the first token) or last (default: the model's)")
        ->type_name("mean|cls|last")
        ->check(pooling);
    app.add_flag("--normalize", options.normalize, "scale each vector to unit length (L2), as Ollama and llama-server do");
    app.add_flag("--jsonl", jsonl, "read {\"text\": ...} lines on stdin (see above)");
    if (!cli.parse(argv)) return 0;
    const std::vector<std::string>& texts = cli.rest();
    if (jsonl && !texts.empty()) throw UsageError("--jsonl reads stdin; do not pass TEXT");
    if (!jsonl && texts.empty()) throw UsageError("missing TEXT (or use --jsonl)");
    for (size_t i = 0; i < texts.size(); ++i)
        if (texts[i].empty()) throw UsageError("TEXT " + std::to_string(i + 1) + " is empty: there is nothing to embed");

    const Model model = load_model(m);
    if (!options.pooling) options.pooling = default_pooling(model);  // an unsupported key fails here, once
    m.session.ggml_order = true;  // vectors comparable with llama.cpp's (hearth.hpp)
    Session session(model, m.session);
    if (jsonl)
        return answer_jsonl_lines([&](const nlohmann::json& request) {
            return embedding_line(session.embed(request.at("text").get_ref<const std::string&>(), options));
        });
    for (const std::string& text : texts) {
        const std::string line = embedding_line(session.embed(text, options)) + "\n";
        std::fwrite(line.data(), 1, line.size(), stdout);
    }
    return 0;
}

}  // namespace hearth::cli
