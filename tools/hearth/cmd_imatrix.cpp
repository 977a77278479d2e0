// `hearth imatrix -m MODEL -f TEXT -o FILE`: the importance matrix of a model on a text, for
// `hearth quantize --imatrix`. The text is tokenized whole (with BOS) and cut into chunks of -c
// tokens, each starting with BOS, as llama.cpp's imatrix and perplexity tools do; every matmul
// input row of every chunk is counted. The file is llama.cpp's GGUF imatrix format.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include <unistd.h>

#include "commands.hpp"
#include "generate_args.hpp"
#include "hearth/imatrix.hpp"

namespace hearth::cli {
namespace {

constexpr const char* kDescription =
    "Runs MODEL over TEXT_FILE in chunks of -c tokens (default 512) and writes, for every weight\n"
    "matrix, the sum of squares of each input column and the number of rows seen (llama.cpp's\n"
    "imatrix GGUF). `hearth quantize IN OUT TYPE --imatrix FILE` then weighs the Q4_0, Q4_1, Q5_0,\n"
    "Q5_1 and K-quant errors by it. Use text like what the model will see.";

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::io, path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

int cmd_imatrix(std::span<char*> argv) {
    CommandLine cli("imatrix", kDescription);
    ModelArgs m;
    add_model_options(cli, m);
    std::string file, out = "imatrix.gguf";
    std::optional<size_t> max_chunks;
    cli.app().add_option("-f,--file", file, "the calibration text")->type_name("TEXT_FILE")->required();
    cli.app().add_option("-o,--output", out, "the imatrix file to write (default imatrix.gguf)")->type_name("FILE");
    cli.app()
        .add_option_function<size_t>("--chunks", [&](size_t n) { max_chunks = n; }, "use at most N chunks (default: all)")
        ->type_name("N")
        ->transform(integer_in(1, 1 << 30));
    if (!cli.parse(argv)) return 0;
    const std::string text = read_text(file);

    const Model model = load_model(m);
    const size_t n_ctx = m.session.n_ctx ? m.session.n_ctx : 512;
    if (n_ctx < 2) throw UsageError("-c must be at least 2 for imatrix");
    m.session.n_ctx = n_ctx;
    const Tokenizer& tok = model.tokenizer();
    const std::vector<TokenId> tokens = tok.encode(text, true, false);
    size_t n_chunks = tokens.size() / n_ctx;
    if (max_chunks) n_chunks = std::min(n_chunks, *max_chunks);
    if (n_chunks == 0)
        throw Error(ErrorCode::invalid_argument, fmt::format("{}: {} tokens is less than one chunk of -c {}", file, tokens.size(), n_ctx));

    Session session(model, m.session);
    ImatrixCollector collector(session);
    std::vector<TokenId> chunk(n_ctx);
    const auto t0 = std::chrono::steady_clock::now();
    const bool progress = ::isatty(STDERR_FILENO);  // a log file gets the summary line only
    for (size_t c = 0; c < n_chunks; ++c) {
        std::copy_n(tokens.begin() + static_cast<std::ptrdiff_t>(c * n_ctx), n_ctx, chunk.begin());
        if (tok.add_bos() && tok.bos() >= 0) chunk[0] = tok.bos();
        collector.add_chunk(chunk);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (progress) std::fprintf(stderr, "\rimatrix: chunk %zu/%zu (%.1f s)", c + 1, n_chunks, secs);
    }
    if (progress) std::fputc('\n', stderr);
    Imatrix imatrix = collector.result();
    imatrix.datasets = {file};
    imatrix.save(out);
    std::fprintf(stderr, "wrote %s: %zu matrices, %zu chunks of %zu tokens\n", out.c_str(), imatrix.entries.size(), n_chunks,
                 n_ctx);
    return 0;
}

}  // namespace hearth::cli
