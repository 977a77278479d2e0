// `hearth perplexity -m MODEL -f TEXT [--kl-base BASE]`: how well a model predicts a text, computed
// as llama.cpp's llama-perplexity does so numbers compare (hearth/perplexity.hpp has the
// definition); with --kl-base, how far the model's predictions are from another model's (e.g. a
// quantization from its source) on the same positions.
#include <optional>

#include "commands.hpp"
#include "generate_args.hpp"
#include "text_scoring.hpp"

namespace hearth::cli {
namespace {

constexpr const char* kDescription =
    "Scores TEXT_FILE in chunks of -c tokens (default 512) and prints the running perplexity after\n"
    "each chunk and the final estimate with its standard error, as llama.cpp's perplexity does.\n"
    "With --kl-base BASE, BASE (e.g. the F16 model MODEL was quantized from) is evaluated on the same\n"
    "chunks and the mean and p99 KL divergence KL(BASE || MODEL), the top-1 agreement and both\n"
    "perplexities are printed. Both models must have the same vocabulary.";

}  // namespace

int cmd_perplexity(std::span<char*> argv) {
    CommandLine cli("perplexity", kDescription);
    ModelArgs m;
    add_model_options(cli, m);
    std::string file, kl_base;
    size_t max_chunks = 0;
    cli.app().add_option("-f,--file", file, "the text to score")->type_name("TEXT_FILE")->required();
    cli.app()
        .add_option("--chunks", max_chunks, "score at most N chunks (default: all)")
        ->type_name("N")
        ->transform(integer_in(1, 1 << 30));
    cli.app().add_option("--kl-base", kl_base, "compare with this model's predictions (a .gguf file)")->type_name("BASE");
    if (!cli.parse(argv)) return 0;
    const std::string text = read_text_file(file);
    m.session.n_ctx = m.session.n_ctx ? m.session.n_ctx : 512;
    if (m.session.n_ctx < 4) throw UsageError("-c must be at least 4 for perplexity");

    const Model model = load_model(m);  // fit check + progress bar
    if (kl_base.empty()) {
        print_perplexity(model, m.session, chunk_text(model.tokenizer(), file, text, m.session.n_ctx, max_chunks));
        return 0;
    }
    ModelArgs base_args = m;
    base_args.path = kl_base;
    const Model base = load_model(base_args);
    // The base model's tokens, as llama-perplexity's --kl-divergence reuses the base run's.
    print_divergence(base, model, m.session, chunk_text(base.tokenizer(), file, text, m.session.n_ctx, max_chunks));
    return 0;
}

}  // namespace hearth::cli
