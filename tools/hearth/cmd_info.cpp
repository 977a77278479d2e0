// `hearth info MODEL.gguf [--json]`: what a GGUF file holds — architecture, size, tokenizer,
// metadata and the tensor table — read from the header only (no weights are touched).
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "generate_args.hpp"
#include "commands.hpp"
#include "hearth/gguf.hpp"
#include "hearth/hearth.hpp"
#include "model_summary.hpp"
#include "server/gguf_json.hpp"

namespace hearth::cli {
namespace {

constexpr const char* kDescription =
    "Prints the architecture, parameter count, file type, context length, vocabulary, all metadata\n"
    "(long arrays abbreviated) and a table of tensors (name, type, shape, bytes), read from the\n"
    "header only. `hearth show MODEL` is the same.";

std::string shape_text(const gguf::TensorInfo& t) {
    std::string out;
    for (uint32_t d = 0; d < std::max<uint32_t>(t.n_dims, 1); ++d) out += (d ? " x " : "") + std::to_string(t.ne[d]);
    return out;
}

bool is_supported(const std::string& arch) {
    const std::vector<std::string> runs = supported_architectures();
    return std::find(runs.begin(), runs.end(), arch) != runs.end();
}

void print_text(const gguf::File& f, const Summary& s) {
    std::printf("file:            %s\n", f.name().c_str());
    std::printf("gguf version:    %u (alignment %" PRIu64 ", %" PRIu64 " bytes)\n", f.version(), f.alignment(), f.file_size());
    std::printf("architecture:    %s\n", s.architecture.c_str());
    std::string list;
    for (const std::string& a : supported_architectures()) list += (list.empty() ? "" : ", ") + a;
    std::printf("supported:       %s (hearth runs %s)\n", is_supported(s.architecture) ? "yes" : "no", list.c_str());
    if (!s.name.empty()) std::printf("name:            %s\n", s.name.c_str());
    std::printf("parameters:      %s (%" PRIu64 ")\n", human_count(s.parameters).c_str(), s.parameters);
    std::printf("file type:       %s\n", s.file_type.c_str());
    std::printf("tensor data:     %.2f MiB, %.2f bits per weight\n", s.tensor_bytes / 1048576.0,
                s.parameters ? 8.0 * s.tensor_bytes / s.parameters : 0.0);
    if (s.context_length) std::printf("context length:  %" PRIu64 "\n", *s.context_length);
    if (s.vocab_size) std::printf("vocab size:      %" PRIu64 "\n", *s.vocab_size);
    if (s.experts && *s.experts)
        std::printf("experts:         %" PRIu64 " per layer, %" PRIu64 " used per token\n", *s.experts, s.experts_used.value_or(0));
    if (!s.tokenizer_model.empty())
        std::printf("tokenizer:       %s%s%s\n", s.tokenizer_model.c_str(), s.tokenizer_pre.empty() ? "" : " / pre ",
                    s.tokenizer_pre.c_str());
    std::printf("\nmetadata (%zu keys):\n", f.metadata().size());
    for (const gguf::MetadataEntry& e : f.metadata())
        std::printf("  %-40.*s %s\n", static_cast<int>(e.key.size()), e.key.data(), e.value.to_display().c_str());
    std::printf("\ntensors (%zu):\n  %-36s %-8s %-22s %12s\n", f.tensors().size(), "name", "type", "shape", "bytes");
    for (const gguf::TensorInfo& t : f.tensors())
        std::printf("  %-36.*s %-8s %-22s %12" PRIu64 "\n", static_cast<int>(t.name.size()), t.name.data(),
                    std::string(ggml_type_name(t.type)).c_str(), shape_text(t).c_str(), t.n_bytes);
}

// Strings from a file may hold any bytes: invalid UTF-8 becomes U+FFFD in the output.
void print_json(const nlohmann::json& j) {
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

void print_json(const gguf::File& f, const Summary& s) {
    nlohmann::json j = {{"file", f.name()},
                        {"version", f.version()},
                        {"alignment", f.alignment()},
                        {"file_size", f.file_size()},
                        {"architecture", s.architecture},
                        {"supported", is_supported(s.architecture)},
                        {"parameters", s.parameters},
                        {"tensor_bytes", s.tensor_bytes},
                        {"file_type", s.file_type},
                        {"context_length", s.context_length ? nlohmann::json(*s.context_length) : nlohmann::json()},
                        {"vocab_size", s.vocab_size ? nlohmann::json(*s.vocab_size) : nlohmann::json()},
                        {"tokenizer_model", s.tokenizer_model},
                        {"tokenizer_pre", s.tokenizer_pre}};
    nlohmann::json& metadata = j["metadata"] = nlohmann::json::object();
    for (const gguf::MetadataEntry& e : f.metadata()) metadata[std::string(e.key)] = server::gguf_value_json(e.value);
    nlohmann::json& tensors = j["tensors"] = nlohmann::json::array();
    for (const gguf::TensorInfo& t : f.tensors())
        tensors.push_back(nlohmann::json{{"name", std::string(t.name)},
                           {"type", std::string(ggml_type_name(t.type))},
                           {"shape", std::vector<uint64_t>(t.ne.begin(), t.ne.begin() + t.n_dims)},
                           {"offset", f.data_offset() + t.offset},
                           {"bytes", t.n_bytes}});
    print_json(j);
}

// The fit planner's numbers for `info --memory` (no weight page is read).
void print_memory(const FitPlan& p, bool json) {
    if (json) {
        print_json({{"n_ctx", p.n_ctx},
                    {"n_batch", p.n_batch},
                    {"kv_type", to_string(p.kv_type)},
                    {"weights_bytes", p.weights_bytes},
                    {"weights_read_per_token", p.weights_read_per_token},
                    {"kv_cache_bytes", p.kv_cache_bytes},
                    {"activation_bytes", p.activation_bytes},
                    {"overhead_bytes", p.overhead_bytes},
                    {"needed_bytes", p.needed()},
                    {"available_bytes", p.available_bytes},
                    {"fits", p.fits()},
                    {"advice", p.advice},
                    {"weights_storage", to_string(p.weights_storage)},
                    {"weights_storage_reason", p.weights_storage_reason}});
        return;
    }
    std::printf("memory plan at -c %zu (batch %zu, KV %s):\n", p.n_ctx, p.n_batch, to_string(p.kv_type));
    auto line = [](const char* what, uint64_t bytes) { std::printf("  %-12s %12s\n", what, format_bytes(bytes).c_str()); };
    line("weights", p.weights_bytes);
    line("read/token", p.weights_read_per_token);  // decoding's traffic (MoE: only the experts used)
    line("KV cache", p.kv_cache_bytes);
    line("activations", p.activation_bytes);
    line("overhead", p.overhead_bytes);
    line("needed", p.needed());
    line("available", p.available_bytes);
    std::printf("%s\nweights will be %s: %s\n", p.advice.c_str(), to_string(p.weights_storage),
                p.weights_storage_reason.c_str());
}

}  // namespace

int cmd_info(std::span<char*> argv) {
    CommandLine cli("info", kDescription);
    cli.add_model("GGUF file, or a model name from `hearth list` (Ollama, LM Studio, HF cache)");
    bool json = false, memory = false;
    cli.app().add_flag("--json", json, "one JSON object for machines");
    cli.app().add_flag("--memory", memory,
                       "instead: the memory a run at context -c needs (weights, KV cache, activations,\n"
                       "overhead) against MemAvailable, and whether it fits (exit 0 either way)");
    SessionOptions session;
    add_session_options(cli, session);
    if (!cli.parse(argv)) return 0;
    const std::string path = resolve_model_arg(cli.model());

    if (memory) {
        print_memory(plan_fit(path, session), json);
        return 0;
    }
    gguf::File f = gguf::File::open(path);
    Summary s = summarize(f);
    json ? print_json(f, s) : print_text(f, s);
    return 0;
}

}  // namespace hearth::cli
