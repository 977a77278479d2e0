// `hearth perplexity -m MODEL -f TEXT`: how well a model predicts a text, computed as llama.cpp's
// perplexity tool does (chunks of -c tokens, each starting with BOS, scoring only the second half
// of every chunk so each scored token has at least c/2 tokens of context), so numbers compare.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "commands.hpp"
#include "generate_args.hpp"

namespace hearth::cli {
namespace {

constexpr const char* kDescription =
    "Scores TEXT_FILE in chunks of -c tokens (default 512) and prints the running perplexity after\n"
    "each chunk and the final estimate with its standard error, as llama.cpp's perplexity does.";

// -log softmax(logits)[target], in double to keep the sum over many tokens accurate.
double negative_log_likelihood(const float* logits, size_t n_vocab, TokenId target) {
    float max = logits[0];
    for (size_t i = 1; i < n_vocab; ++i) max = std::max(max, logits[i]);
    double sum = 0;
    for (size_t i = 0; i < n_vocab; ++i) sum += std::exp(double(logits[i]) - max);
    return std::log(sum) - (double(logits[target]) - max);
}

}  // namespace

int cmd_perplexity(std::span<char*> argv) {
    CommandLine cli("perplexity", kDescription);
    ModelArgs m;
    add_model_options(cli, m);
    std::string file;
    std::optional<size_t> max_chunks;
    cli.app().add_option("-f,--file", file, "the text to score")->type_name("TEXT_FILE")->required();
    cli.app()
        .add_option_function<size_t>("--chunks", [&](size_t n) { max_chunks = n; }, "score at most N chunks (default: all)")
        ->type_name("N")
        ->transform(integer_in(1, 1 << 30));
    if (!cli.parse(argv)) return 0;
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(ErrorCode::io, file + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();

    const Model model = load_model(m);  // fit check + progress bar
    const size_t n_ctx = m.session.n_ctx ? m.session.n_ctx : 512;
    if (n_ctx < 4) throw UsageError("-c must be at least 4 for perplexity");
    m.session.n_ctx = n_ctx;
    const Tokenizer& tok = model.tokenizer();
    const std::vector<TokenId> tokens = tok.encode(text.str(), false, false);
    size_t n_chunks = tokens.size() / n_ctx;
    if (max_chunks) n_chunks = std::min(n_chunks, static_cast<size_t>(*max_chunks));
    if (n_chunks == 0)
        throw Error(ErrorCode::invalid_argument, file + ": " + std::to_string(tokens.size()) +
                                                     " tokens is less than one chunk of -c " + std::to_string(n_ctx));

    Session session(model, m.session);
    const size_t n_vocab = model.config().n_vocab;
    std::vector<float> logits(n_ctx * n_vocab);
    std::vector<TokenId> chunk(n_ctx);
    const size_t first = n_ctx / 2;  // positions before this only provide context
    double nll = 0, nll2 = 0;
    size_t count = 0;
    std::fprintf(stderr, "perplexity: %zu tokens, %zu chunks of %zu, scoring the last %zu of each\n", tokens.size(),
                 n_chunks, n_ctx, n_ctx - 1 - first);
    for (size_t c = 0; c < n_chunks; ++c) {
        std::copy_n(tokens.begin() + static_cast<std::ptrdiff_t>(c * n_ctx), n_ctx, chunk.begin());
        if (tok.add_bos() && tok.bos() >= 0) chunk[0] = tok.bos();
        session.reset();
        session.eval(chunk, logits);
        for (size_t j = first; j + 1 < n_ctx; ++j) {
            const double v = negative_log_likelihood(logits.data() + j * n_vocab, n_vocab, tokens[c * n_ctx + j + 1]);
            nll += v;
            nll2 += v * v;
            ++count;
        }
        std::printf("[%zu] %.4f\n", c + 1, std::exp(nll / double(count)));
        std::fflush(stdout);
    }
    const double mean = nll / double(count);
    const double var = std::max(0.0, nll2 / double(count) - mean * mean);
    const double ppl = std::exp(mean);
    // Standard error of exp(mean) by the delta method, as llama.cpp reports it.
    const double err = ppl * std::sqrt(var / double(count > 1 ? count - 1 : 1));
    std::printf("Final estimate: PPL = %.4f +/- %.5f\n", ppl, err);
    return 0;
}

}  // namespace hearth::cli
