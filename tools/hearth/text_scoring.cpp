// Printing text scores as llama-perplexity does (see text_scoring.hpp).
#include "text_scoring.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace hearth::cli {
namespace {
// Scores people compare with llama-perplexity's: products round in its order (hearth.hpp,
// SessionOptions::ggml_order), so the same model gives the same numbers to the last digit.
SessionOptions in_llama_cpp_order(SessionOptions session) {
    session.ggml_order = true;
    return session;
}

// llama-perplexity's progress format, so its output and hearth's can be compared line by line.
void print_running(size_t chunk, const NllStats& stats) {
    std::printf("[%zu]%.4f,", chunk + 1, stats.ppl());
    std::fflush(stdout);
}

std::string ppl_with_error(const NllStats& s) { return fmt::format("{:.4f} +/- {:.5f}", s.ppl(), s.ppl_error()); }

}  // namespace

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::io, path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw Error(ErrorCode::io, path + ": cannot read");
    return text.str();
}

PerplexityChunks chunk_text(const Tokenizer& tokenizer, const std::string& source, const std::string& text, size_t n_ctx,
                            size_t max_chunks) {
    PerplexityChunks chunks = [&] {
        try {
            return PerplexityChunks(tokenizer, text, n_ctx, max_chunks);
        } catch (const Error& e) {
            throw Error(e.code(), source + ": " + e.what());
        }
    }();
    std::fprintf(stderr, "perplexity: %zu tokens, %zu chunks of %zu, scoring the last %zu of each\n", chunks.n_tokens(),
                 chunks.n_chunks(), chunks.n_ctx(), chunks.scored_per_chunk());
    return chunks;
}

NllStats print_perplexity(const Model& model, const SessionOptions& session, const PerplexityChunks& chunks) {
    const NllStats stats = perplexity(model, in_llama_cpp_order(session), chunks, print_running);
    std::printf("\nFinal estimate: PPL = %s\n", ppl_with_error(stats).c_str());
    return stats;
}

DivergenceStats print_divergence(const Model& base, const Model& model, const SessionOptions& session,
                                 const PerplexityChunks& chunks) {
    DivergenceStats stats = compare_models(base, model, in_llama_cpp_order(session), chunks, [](size_t c, const DivergenceStats& s) {
        print_running(c, s.model);
    });
    std::fputs(fmt::format("\nKL divergence from the base model over {} scored positions:\n"
                           "  mean KL(base || model)  {:.6f} nats\n"
                           "  p99 KL                  {:.6f} nats\n"
                           "  top-1 agreement         {:.2f} %\n"
                           "  PPL(base)               {}\n"
                           "  PPL(model)              {}\n"
                           "  ln(PPL(model)/PPL(base)) {:+.5f}\n",
                           stats.kl.size(), stats.mean_kl(), stats.kl_percentile(0.99), 100.0 * stats.top1_agreement(),
                           ppl_with_error(stats.base), ppl_with_error(stats.model), stats.ln_ppl_ratio())
                   .c_str(),
               stdout);
    return stats;
}

}  // namespace hearth::cli
