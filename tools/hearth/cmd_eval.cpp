// `hearth eval`: the logits of every position of a prompt, as raw float32 rows (one row of
// n_vocab per input token) — the format of ../shared/reference/*/logits.f32.
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "generate_args.hpp"

namespace hearth::cli {

namespace {
constexpr const char* kDescription =
    "Evaluates the tokens in one pass (chunks of --batch-size) and writes float32 logits, one row\n"
    "of n_vocab per token, to FILE. With --prompt, BOS is added as the model asks. Prints\n"
    "{\"tokens\": N, \"n_vocab\": V, \"ids\": [...]} to stdout. Products round in llama.cpp's order where\n"
    "hearth has it (SessionOptions::ggml_order), so the logits compare with llama.cpp's to the\n"
    "last bits; --block-gemm trades that for faster Q8_0, Q4_K and Q6_K prompts.";

std::vector<TokenId> parse_ids(const std::string& text) {
    std::string s = text;
    for (char& c : s)
        if (c == ',' || c == '[' || c == ']') c = ' ';
    std::istringstream in(s);
    std::vector<TokenId> ids;
    long long v = 0;
    while (in >> v) ids.push_back(static_cast<TokenId>(v));
    if (!in.eof()) throw UsageError(fmt::format("--ids: '{}' is not a list of integers", text));
    return ids;
}
}  // namespace

int cmd_eval(std::span<char*> argv) {
    CommandLine cli("eval", kDescription);
    ModelArgs m;
    add_model_options(cli, m);
    CLI::App& app = cli.app();
    std::string prompt, ids_text, out_path;
    bool special = false, block_gemm = false;
    CLI::Option* prompt_option = app.add_option("-p,--prompt", prompt, "text to tokenize")->type_name("TEXT");
    CLI::Option* ids_option = app.add_option("--ids", ids_text, "token ids, separated by spaces or commas")->type_name("\"1 2 3\"");
    app.add_option("--logits-out", out_path, "where to write the logits")->type_name("FILE")->required();
    app.add_flag("--special", special, "recognise special token texts in --prompt");
    app.add_flag("--block-gemm", block_gemm, "batches through hearth's fastest kernels (last bits differ from llama.cpp)");
    if (!cli.parse(argv)) return 0;
    if (prompt_option->count() + ids_option->count() != 1) throw UsageError("give exactly one of --prompt and --ids");

    const Model model = load_model(m);  // fit check + progress bar
    const std::vector<TokenId> ids = prompt_option->count() ? model.tokenizer().encode(prompt, true, special) : parse_ids(ids_text);
    if (ids.empty()) throw Error(ErrorCode::invalid_argument, "eval: no tokens to evaluate (empty prompt)");
    if (m.session.n_ctx == 0) m.session.n_ctx = ids.size();
    m.session.ggml_order = !block_gemm;
    Session session(model, m.session);
    const size_t n_vocab = model.config().n_vocab;
    std::vector<float> logits(ids.size() * n_vocab);
    session.eval(ids, logits);

    std::FILE* f = std::fopen(out_path.c_str(), "wb");
    if (!f) throw Error(ErrorCode::io, fmt::format("{}: cannot open for writing", out_path));
    const size_t written = std::fwrite(logits.data(), sizeof(float), logits.size(), f);
    const bool closed = std::fclose(f) == 0;
    if (written != logits.size() || !closed) throw Error(ErrorCode::io, fmt::format("{}: write failed", out_path));

    std::printf("{\"tokens\": %zu, \"n_vocab\": %zu, \"ids\": [", ids.size(), n_vocab);
    for (size_t i = 0; i < ids.size(); ++i) std::printf("%s%d", i ? ", " : "", ids[i]);
    std::printf("]}\n");
    return 0;
}

}  // namespace hearth::cli
