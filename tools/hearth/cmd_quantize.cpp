// `hearth quantize IN.gguf OUT.gguf TYPE`: re-encode a model's matrices (e.g. F16 -> Q4_K_M).
#include <chrono>
#include <cstdio>

#include "args.hpp"
#include "commands.hpp"
#include "hearth/gguf.hpp"
#include "quantize/quantize_model.hpp"

namespace hearth::cli {
namespace {

constexpr const char* kUsage =
    "usage: hearth quantize IN.gguf OUT.gguf TYPE [-t THREADS] [-q]\n"
    "  TYPE: f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q6_k q4_k_s q5_k_s q4_k_m q5_k_m\n"
    "  Matrices are converted (K-quant medium mixes give the output matrix and some attn_v/ffn_down\n"
    "  layers Q6_K, as llama.cpp does); norms, biases and metadata are copied. Input may be any type\n"
    "  hearth can decode (re-quantizing an already quantized file loses quality: start from F16/BF16/F32).\n";

}  // namespace

int cmd_quantize(std::span<char*> argv) {
    Args args(argv);
    if (args.help()) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    auto threads = args.integer({"-t", "--threads"}, 0, 1024);
    bool quiet = args.flag({"-q", "--quiet"});
    auto pos = args.positional();
    args.finish();
    if (pos.size() != 3) throw UsageError("expected IN.gguf OUT.gguf TYPE");
    if (std::filesystem::exists(pos[1]) && std::filesystem::equivalent(pos[0], pos[1]))
        throw UsageError("output must be a different file from the input");

    quant::Recipe recipe = quant::parse_recipe(pos[2]);
    gguf::File in = gguf::File::open(pos[0]);
    auto t0 = std::chrono::steady_clock::now();
    uint64_t bytes_in = 0, bytes_out = 0;
    quant::quantize_model(in, recipe, pos[1], static_cast<size_t>(threads.value_or(0)), [&](const quant::TensorReport& r) {
        bytes_in += r.bytes_in;
        bytes_out += r.bytes_out;
        if (!quiet)
            std::fprintf(stderr, "  %-36.*s %-6s -> %-6s %10.2f MiB\n", int(r.name.size()), r.name.data(),
                         std::string(ggml_type_name(r.from)).c_str(), std::string(ggml_type_name(r.to)).c_str(),
                         r.bytes_out / 1048576.0);
    });
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "wrote %s: %.2f MiB -> %.2f MiB of tensors in %.1f s\n", pos[1].c_str(), bytes_in / 1048576.0,
                 bytes_out / 1048576.0, secs);
    return 0;
}

}  // namespace hearth::cli
