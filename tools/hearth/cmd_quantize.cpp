// `hearth quantize IN.gguf OUT.gguf TYPE`: re-encode a model's matrices (e.g. F16 -> Q4_K_M), and
// say what it cost: each tensor's type and size, every fallback (rows that are not whole blocks of
// the wanted type) with its reason, and the bits per weight before and after; with --report, each
// tensor's error and the costliest ones, and with --kl TEXT the quantized model's divergence from
// IN on a text (as `hearth perplexity -m OUT -f TEXT --kl-base IN`).
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <optional>

#include "cli_app.hpp"
#include "commands.hpp"
#include "generate_args.hpp"
#include "hearth/gguf.hpp"
#include "hearth/imatrix.hpp"
#include "hearth/memory.hpp"
#include "hearth/quantize.hpp"
#include "quantize_report.hpp"
#include "text_scoring.hpp"

namespace hearth::cli {
namespace {

std::string description() {
    return fmt::format(
        "Re-encodes IN's matrices as TYPE into OUT: {}.\n"
        "K-quant types follow llama-quantize's per-tensor rules (the output matrix in Q6_K; more bits\n"
        "for attn_v, attn_output and ffn_down on some layers); the others give every matrix one type.\n"
        "Norms, biases and metadata are copied. A matrix whose rows are not whole blocks of its type\n"
        "falls back to another type, as llama-quantize does; each fallback is listed. Input may be any\n"
        "type hearth can decode (re-quantizing an already quantized file loses quality: start from\n"
        "F16/BF16/F32).\n"
        "--report adds each matrix's RMS error relative to its RMS and the ten that cost most;\n"
        "--kl TEXT_FILE then scores both models on the text as `hearth perplexity --kl-base` does.",
        quant::recipe_names());
}

std::string type_name(GgmlType t) { return std::string(ggml_type_name(t)); }

double type_bits(GgmlType t) {
    const GgmlTypeInfo info = ggml_type_info(t);
    return quant::bits_per_weight(info.block_bytes, info.block_elements);
}

// Why a tensor did not get the type its recipe wanted.
std::string fallback_note(const quant::TensorReport& r, uint64_t n_cols) {
    return fmt::format("note: {}: {} columns are not a multiple of {}'s {}-element blocks: stored as {} ({:.2f} bits per "
                       "weight instead of {:.2f})\n",
                       r.name, n_cols, type_name(r.wanted), ggml_type_info(r.wanted).block_elements, type_name(r.to),
                       type_bits(r.to), type_bits(r.wanted));
}

// --kl TEXT_FILE and its chunking options.
struct KlRequest {
    std::string file, text;
    size_t n_ctx = 512, max_chunks = 0;
};

// OUT compared with IN on the text, as `hearth perplexity -m OUT -f TEXT --kl-base IN` does.
void print_kl(const std::string& in_path, const std::string& out_path, const KlRequest& kl, size_t threads) {
    ModelArgs m;
    m.model.threads = threads;
    m.session.n_ctx = kl.n_ctx;
    m.path = in_path;
    const Model base = load_model(m);
    m.path = out_path;
    const Model model = load_model(m);
    std::fflush(stdout);  // the error summary before the chunking line on stderr
    print_divergence(base, model, m.session, chunk_text(base.tokenizer(), kl.file, kl.text, kl.n_ctx, kl.max_chunks));
}

}  // namespace

int cmd_quantize(std::span<char*> argv) {
    CommandLine cli("quantize", description());
    CLI::App& app = cli.app();
    std::string in_path, out_path, type;
    size_t threads = 0;
    bool quiet = false;
    app.add_option("IN", in_path, "the model to read (.gguf)")->required();
    app.add_option("OUT", out_path, "the file to write (.gguf)")->required();
    app.add_option("TYPE", type, "the weight type or mix, e.g. q4_k_m")->required();
    add_threads(cli, threads);
    app.add_flag("-q,--quiet", quiet, "only the fallbacks and the summary, not every tensor");
    bool report = false;
    KlRequest kl;
    app.add_flag("--report", report, "each re-encoded tensor's relative RMS error and the costliest ones");
    app.add_option("--kl", kl.file, "with --report: KL divergence and perplexities of OUT vs IN on this text")
        ->type_name("TEXT_FILE");
    CLI::Option* ctx = app.add_option("-c,--ctx-size", kl.n_ctx, "with --kl: chunk size in tokens (default 512)")
                           ->type_name("N")
                           ->transform(integer_in(4, 1 << 20));
    CLI::Option* chunks = app.add_option("--chunks", kl.max_chunks, "with --kl: score at most N chunks (default: all)")
                              ->type_name("N")
                              ->transform(integer_in(1, 1 << 30));
    std::string imatrix_path;
    app.add_option("--imatrix", imatrix_path, "weigh Q4_0/K-quant errors by this importance matrix (hearth imatrix)")
        ->type_name("FILE");
    if (!cli.parse(argv)) return 0;
    if (!kl.file.empty() && !report) throw UsageError("--kl needs --report");
    if (kl.file.empty() && (ctx->count() || chunks->count())) throw UsageError("-c and --chunks need --kl");
    if (std::filesystem::exists(out_path) && std::filesystem::equivalent(in_path, out_path))
        throw UsageError("output must be a different file from the input");

    const quant::Recipe recipe = parse_option_value([&] { return quant::parse_recipe(type); });
    if (!kl.file.empty()) kl.text = read_text_file(kl.file);  // a wrong path fails before the work
    QuantizeErrorReport errors;
    gguf::File in = gguf::File::open(in_path);
    std::optional<Imatrix> imatrix;
    if (!imatrix_path.empty()) imatrix = Imatrix::load(imatrix_path);
    size_t n_with_imatrix = 0;
    auto t0 = std::chrono::steady_clock::now();
    uint64_t bytes_in = 0, bytes_out = 0, elements = 0;
    size_t n_tensors = 0, n_fallbacks = 0;
    quant::quantize_model(in, recipe, out_path, threads, [&](const quant::TensorReport& r) {
        bytes_in += r.bytes_in;
        bytes_out += r.bytes_out;
        elements += r.n_elements;
        ++n_tensors;
        if (report) errors.add(r);
        if (r.fell_back()) {
            ++n_fallbacks;
            std::fputs(fallback_note(r, in.tensor(r.name).ne[0]).c_str(), stderr);
        }
        n_with_imatrix += r.imatrix_used;
        if (r.imatrix_missing) std::fputs(fmt::format("note: {}: not in the imatrix, quantized without it\n", r.name).c_str(), stderr);
        if (!quiet)
            std::fputs(fmt::format("  {:<36} {:>6} -> {:<6} {:>6.2f} bpw {:>11}{}\n", r.name, type_name(r.from),
                                   r.to == r.from ? "(kept)" : type_name(r.to), quant::bits_per_weight(r.bytes_out, r.n_elements),
                                   format_bytes(r.bytes_out), report ? QuantizeErrorReport::error_column(r) : "")
                           .c_str(),
                       stderr);
    }, imatrix ? &*imatrix : nullptr);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fputs(fmt::format("wrote {} ({}): {} -> {} of tensors, {:.2f} -> {:.2f} bits per weight, in {:.1f} s\n", out_path,
                           recipe.name, format_bytes(bytes_in), format_bytes(bytes_out),
                           quant::bits_per_weight(bytes_in, elements), quant::bits_per_weight(bytes_out, elements), secs)
                   .c_str(),
               stderr);
    if (imatrix)
        std::fputs(fmt::format("imatrix {}: used for {} tensors\n", imatrix_path, n_with_imatrix).c_str(), stderr);
    if (n_fallbacks)
        std::fputs(fmt::format("{} of {} tensors fell back to another type (listed above)\n", n_fallbacks, n_tensors).c_str(),
                   stderr);
    if (report) errors.print_summary(stdout);
    if (!kl.file.empty()) print_kl(in_path, out_path, kl, threads);
    return 0;
}

}  // namespace hearth::cli
