// `hearth eval`: the logits of every position of a prompt, as raw float32 rows (one row of
// n_vocab per input token) — the format of ../shared/reference/*/logits.f32.
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "generate_args.hpp"

namespace hearth::cli {

namespace {
constexpr const char* kUsage =
    "usage: hearth eval -m MODEL (--prompt TEXT | --ids \"1 2 3\") --logits-out FILE [options]\n"
    "\n"
    "Evaluates the tokens in one pass (chunks of --batch-size) and writes float32 logits, one row\n"
    "of n_vocab per token, to FILE. With --prompt, BOS is added as the model asks (like the\n"
    "reference prompt_ids). Prints {\"tokens\": N, \"n_vocab\": V, \"ids\": [...]} to stdout.\n"
    "\n"
    "  --prompt TEXT            text to tokenize\n"
    "  --ids \"1 2 3\"            token ids, separated by spaces or commas\n"
    "  --logits-out FILE        where to write the logits (required)\n"
    "  --special                recognise special token texts in --prompt\n";

std::vector<TokenId> parse_ids(const std::string& text) {
    std::string s = text;
    for (char& c : s)
        if (c == ',' || c == '[' || c == ']') c = ' ';
    std::istringstream in(s);
    std::vector<TokenId> ids;
    long long v = 0;
    while (in >> v) ids.push_back(static_cast<TokenId>(v));
    if (!in.eof()) throw UsageError("--ids: '" + text + "' is not a list of integers");
    return ids;
}
}  // namespace

int cmd_eval(std::span<char*> argv) {
    Args args(argv);
    if (args.help()) {
        std::printf("%s%s", kUsage, kModelArgsHelp);
        return 0;
    }
    ModelArgs m = parse_model_args(args);
    const auto prompt = args.value({"--prompt", "-p"});
    const auto ids_text = args.value({"--ids"});
    const auto out_path = args.value({"--logits-out"});
    const bool special = args.flag({"--special"});
    if (!take_positionals(args, m).empty()) throw UsageError("unexpected argument after MODEL");
    args.finish();
    if (prompt.has_value() == ids_text.has_value()) throw UsageError("give exactly one of --prompt and --ids");
    if (!out_path) throw UsageError("missing --logits-out FILE");

    const Model model = load_model(m);  // fit check + progress bar
    const std::vector<TokenId> ids = prompt ? model.tokenizer().encode(*prompt, true, special) : parse_ids(*ids_text);
    if (ids.empty()) throw Error(ErrorCode::invalid_argument, "eval: no tokens to evaluate (empty prompt)");
    if (m.session.n_ctx == 0) m.session.n_ctx = ids.size();
    Session session(model, m.session);
    const size_t n_vocab = model.config().n_vocab;
    std::vector<float> logits(ids.size() * n_vocab);
    session.eval(ids, logits);

    std::FILE* f = std::fopen(out_path->c_str(), "wb");
    if (!f) throw Error(ErrorCode::io, *out_path + ": cannot open for writing");
    const size_t written = std::fwrite(logits.data(), sizeof(float), logits.size(), f);
    const bool closed = std::fclose(f) == 0;
    if (written != logits.size() || !closed) throw Error(ErrorCode::io, *out_path + ": write failed");

    std::printf("{\"tokens\": %zu, \"n_vocab\": %zu, \"ids\": [", ids.size(), n_vocab);
    for (size_t i = 0; i < ids.size(); ++i) std::printf("%s%d", i ? ", " : "", ids[i]);
    std::printf("]}\n");
    return 0;
}

}  // namespace hearth::cli
