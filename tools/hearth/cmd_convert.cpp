// `hearth convert HF_DIR OUT.gguf [--type q4_k_m]`: a Hugging Face model folder to GGUF, with a
// progress line (tensor, i/n, ETA) because a 7B takes minutes, and a one-line summary.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "cli_app.hpp"
#include "commands.hpp"
#include "hearth/convert.hpp"
#include "hearth/memory.hpp"

namespace hearth::cli {
namespace {

std::string description() {
    return fmt::format(
        "Converts a Hugging Face model folder (config.json, model.safetensors or the shards of\n"
        "model.safetensors.index.json, tokenizer.json) into OUT.gguf with llama.cpp's tensor names,\n"
        "layouts and metadata.\nArchitectures: {}.\n"
        "--type quantizes on the way, with the same per-tensor rules as `hearth quantize`:\n{}.\n"
        "The default f16 stores the matrices as F16 (bf16 / f32 keep such checkpoints exact); norms\n"
        "and biases are always F32. One tensor is in memory at a time; the file appears only when\n"
        "complete, and never over one of the input files.",
        convert::supported_hf_architectures(), quant::recipe_names());
}

std::string clock(double seconds) {
    const long s = static_cast<long>(seconds + 0.5);
    return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

int cmd_convert(std::span<char*> argv) {
    CommandLine cli("convert", description());
    CLI::App& app = cli.app();
    std::string in_dir, out_path, type = "f16";
    convert::Options options;
    app.add_option("HF_DIR", in_dir, "the Hugging Face model folder")->required();
    app.add_option("OUT", out_path, "the GGUF file to write")->required();
    app.add_option("--type", type, "weight type or mix of the matrices (default f16)");
    add_threads(cli, options.threads);
    if (!cli.parse(argv)) return 0;
    if (!std::filesystem::is_directory(in_dir)) throw UsageError(in_dir + " is not a folder (expected a Hugging Face model folder)");
    options.recipe = parse_option_value([&] { return quant::parse_recipe(type); });

    const auto t0 = std::chrono::steady_clock::now();
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    uint64_t bytes_in = 0, bytes_out = 0, elements = 0;
    size_t n_fallbacks = 0;
    convert::convert_hf_model(in_dir, out_path, options, [&](const quant::TensorReport& r) {
        bytes_in += r.bytes_in;
        bytes_out += r.bytes_out;
        elements += r.n_elements;
        n_fallbacks += r.fell_back();
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        // By bytes, not tensors: the embedding matrix alone can be a fifth of a model.
        const double eta = r.done > 0 ? elapsed * (1.0 - r.done) / r.done : 0.0;
        const std::string line = fmt::format("[{:>4}/{}] {:<32} {:>5} -> {:<5} ETA {}", r.index + 1, r.count, r.name,
                                             ggml_type_name(r.from), ggml_type_name(r.to), clock(eta));
        // On a terminal one line is rewritten in place; in a log every tensor gets its own.
        std::fputs(tty ? fmt::format("\r{:<80}", line).c_str() : (line + "\n").c_str(), stderr);
    });
    if (tty) std::fputs("\n", stderr);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fputs(fmt::format("wrote {} ({}): {} -> {} of tensors, {:.2f} -> {:.2f} bits per weight, in {:.1f} s\n", out_path,
                           options.recipe.name, format_bytes(bytes_in), format_bytes(bytes_out),
                           quant::bits_per_weight(bytes_in, elements), quant::bits_per_weight(bytes_out, elements), secs)
                   .c_str(),
               stderr);
    if (n_fallbacks)
        std::fputs(fmt::format("{} tensors' rows are not whole blocks of the recipe's type and fell back to another "
                               "(`hearth info OUT` lists the types)\n",
                               n_fallbacks)
                       .c_str(),
                   stderr);
    return 0;
}

}  // namespace hearth::cli
