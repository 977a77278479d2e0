// `hearth info MODEL.gguf [--json]`: what a GGUF file holds — architecture, size, tokenizer,
// metadata and the tensor table — read from the header only (no weights are touched).
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <string>

#include "args.hpp"
#include "commands.hpp"
#include "hearth/gguf.hpp"
#include "hearth/hearth.hpp"
#include "json_writer.hpp"

namespace hearth::cli {
namespace {

constexpr const char* kUsage =
    "usage: hearth info MODEL.gguf [--json]\n"
    "  Prints the architecture, parameter count, file type, context length, vocabulary,\n"
    "  all metadata (long arrays abbreviated) and a table of tensors (name, type, shape, bytes).\n"
    "  --json   one JSON object for machines\n"
    "  --memory [-c CTX] [-b N] [--kv-type f16|q8_0]\n"
    "           instead: the memory a run at context CTX needs (weights, KV cache, activations,\n"
    "           overhead) against MemAvailable, and whether it fits (exit 0 either way)\n";

struct Summary {
    std::string architecture = "?";
    std::string name;
    uint64_t parameters = 0;
    uint64_t tensor_bytes = 0;
    std::string file_type;
    std::optional<uint64_t> context_length;
    std::optional<uint64_t> vocab_size;
    std::optional<uint64_t> experts, experts_used;  // mixture of experts (qwen3moe)
    std::string tokenizer_model;
    std::string tokenizer_pre;
};

Summary summarize(const gguf::File& f) {
    Summary s;
    if (auto a = f.find("general.architecture"); a && a->as_string()) s.architecture = *a->as_string();
    if (auto n = f.find("general.name"); n && n->as_string()) s.name = *n->as_string();
    std::map<GgmlType, uint64_t> bytes_by_type;
    for (const gguf::TensorInfo& t : f.tensors()) {
        s.parameters += t.n_elements;
        s.tensor_bytes += t.n_bytes;
        bytes_by_type[t.type] += t.n_bytes;
    }
    if (auto ft = f.find("general.file_type"); ft && ft->as_uint()) {
        const uint64_t id = *ft->as_uint();
        const auto name = id <= UINT32_MAX ? file_type_name(static_cast<uint32_t>(id)) : std::nullopt;
        s.file_type = name ? std::string(*name) : "unknown (" + std::to_string(id) + ")";
    } else if (!bytes_by_type.empty()) {
        auto most = std::max_element(bytes_by_type.begin(), bytes_by_type.end(),
                                     [](auto& a, auto& b) { return a.second < b.second; });
        s.file_type = "mostly " + std::string(ggml_type_name(most->first)) + " (no general.file_type)";
    }
    if (auto c = f.find(s.architecture + ".context_length")) s.context_length = c->as_uint();
    if (auto v = f.find("tokenizer.ggml.tokens"); v && v->type() == gguf::ValueType::array) s.vocab_size = v->array_size();
    else if (auto vs = f.find(s.architecture + ".vocab_size")) s.vocab_size = vs->as_uint();
    if (auto e = f.find(s.architecture + ".expert_count")) s.experts = e->as_uint();
    if (auto e = f.find(s.architecture + ".expert_used_count")) s.experts_used = e->as_uint();
    if (auto m = f.find("tokenizer.ggml.model"); m && m->as_string()) s.tokenizer_model = *m->as_string();
    if (auto p = f.find("tokenizer.ggml.pre"); p && p->as_string()) s.tokenizer_pre = *p->as_string();
    return s;
}

std::string shape_text(const gguf::TensorInfo& t) {
    std::string out;
    for (uint32_t d = 0; d < std::max<uint32_t>(t.n_dims, 1); ++d) out += (d ? " x " : "") + std::to_string(t.ne[d]);
    return out;
}

std::string human_count(uint64_t n) {
    char buf[32];
    if (n >= 1000000000) std::snprintf(buf, sizeof buf, "%.2f B", n / 1e9);
    else if (n >= 1000000) std::snprintf(buf, sizeof buf, "%.2f M", n / 1e6);
    else if (n >= 1000) std::snprintf(buf, sizeof buf, "%.2f K", n / 1e3);
    else std::snprintf(buf, sizeof buf, "%" PRIu64, n);
    return buf;
}

void print_text(const gguf::File& f, const Summary& s) {
    std::printf("file:            %s\n", f.name().c_str());
    std::printf("gguf version:    %u (alignment %" PRIu64 ", %" PRIu64 " bytes)\n", f.version(), f.alignment(), f.file_size());
    std::printf("architecture:    %s\n", s.architecture.c_str());
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

// Arrays longer than this are summarised in JSON (a 150k-token vocabulary is not useful there).
constexpr uint64_t kJsonArrayLimit = 64;

void write_json_value(JsonWriter& j, const gguf::Value& v) {
    using gguf::ValueType;
    switch (v.type()) {
        case ValueType::string: j.value(*v.as_string()); return;
        case ValueType::boolean: j.value(*v.as_bool()); return;
        case ValueType::f32: case ValueType::f64: j.value(*v.as_float()); return;
        case ValueType::array: break;
        default:
            if (auto i = v.as_int()) j.value(*i);
            else j.value(*v.as_uint());
            return;
    }
    if (v.array_size() > kJsonArrayLimit) {
        j.begin_object();
        j.key("array_of").value(gguf::value_type_name(v.array_type()));
        j.key("length").value(v.array_size());
        j.end_object();
        return;
    }
    j.begin_array();
    for (uint64_t i = 0; i < v.array_size(); ++i) {
        switch (v.array_type()) {
            case ValueType::string: j.value(v.strings()[i]); break;
            case ValueType::array: write_json_value(j, v.nested()[i]); break;
            case ValueType::boolean: j.value(*v.int_at(i) != 0); break;
            case ValueType::f32: case ValueType::f64: j.value(*v.float_at(i)); break;
            default:
                if (auto x = v.int_at(i)) j.value(*x);
                else j.value(*v.float_at(i));  // u64 beyond int64: as a number
        }
    }
    j.end_array();
}

void print_json(const gguf::File& f, const Summary& s) {
    JsonWriter j;
    j.begin_object();
    j.key("file").value(f.name());
    j.key("version").value(uint64_t{f.version()});
    j.key("alignment").value(f.alignment());
    j.key("file_size").value(f.file_size());
    j.key("architecture").value(s.architecture);
    j.key("parameters").value(s.parameters);
    j.key("tensor_bytes").value(s.tensor_bytes);
    j.key("file_type").value(s.file_type);
    j.key("context_length");
    s.context_length ? j.value(*s.context_length) : j.null();
    j.key("vocab_size");
    s.vocab_size ? j.value(*s.vocab_size) : j.null();
    j.key("tokenizer_model").value(s.tokenizer_model);
    j.key("tokenizer_pre").value(s.tokenizer_pre);
    j.key("metadata").begin_object();
    for (const gguf::MetadataEntry& e : f.metadata()) {
        j.key(e.key);
        write_json_value(j, e.value);
    }
    j.end_object();
    j.key("tensors").begin_array();
    for (const gguf::TensorInfo& t : f.tensors()) {
        j.begin_object();
        j.key("name").value(t.name);
        j.key("type").value(ggml_type_name(t.type));
        j.key("shape").begin_array();
        for (uint32_t d = 0; d < t.n_dims; ++d) j.value(t.ne[d]);
        j.end_array();
        j.key("offset").value(f.data_offset() + t.offset);
        j.key("bytes").value(t.n_bytes);
        j.end_object();
    }
    j.end_array();
    j.end_object();
    std::printf("%s\n", j.str().c_str());
}

// The fit planner's numbers for `info --memory` (no weight page is read).
void print_memory(const FitPlan& p, bool json) {
    if (json) {
        JsonWriter j;
        j.begin_object();
        j.key("n_ctx").value(uint64_t{p.n_ctx});
        j.key("n_batch").value(uint64_t{p.n_batch});
        j.key("kv_type").value(to_string(p.kv_type));
        j.key("weights_bytes").value(p.weights_bytes);
        j.key("weights_read_per_token").value(p.weights_read_per_token);
        j.key("kv_cache_bytes").value(p.kv_cache_bytes);
        j.key("activation_bytes").value(p.activation_bytes);
        j.key("overhead_bytes").value(p.overhead_bytes);
        j.key("needed_bytes").value(p.needed());
        j.key("available_bytes").value(p.available_bytes);
        j.key("fits").value(p.fits());
        j.key("advice").value(p.advice);
        j.key("weights_storage").value(to_string(p.weights_storage));
        j.key("weights_storage_reason").value(p.weights_storage_reason);
        j.end_object();
        std::printf("%s\n", j.str().c_str());
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
    Args args(argv);
    if (args.help()) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    bool json = args.flag({"--json"});
    const bool memory = args.flag({"--memory"});
    SessionOptions session;
    if (auto c = args.integer({"-c", "--ctx-size"}, 1, 1 << 24)) session.n_ctx = static_cast<size_t>(*c);
    if (auto b = args.integer({"-b", "--batch-size"}, 1, 1 << 16)) session.n_batch = static_cast<size_t>(*b);
    if (auto kv = args.value({"--kv-type"})) {
        const auto type = parse_kv_type(*kv);
        if (!type) throw UsageError("--kv-type must be f16 or q8_0, not '" + *kv + "'");
        session.kv_type = *type;
    }
    auto model = args.value({"-m", "--model"});
    auto rest = args.positional();
    args.finish();
    if (!model && rest.size() == 1) model = rest[0];
    else if (!rest.empty()) throw UsageError("expected one model file");
    if (!model) throw UsageError("missing MODEL.gguf");

    if (memory) {
        print_memory(plan_fit(*model, session), json);
        return 0;
    }
    gguf::File f = gguf::File::open(*model);
    Summary s = summarize(f);
    json ? print_json(f, s) : print_text(f, s);
    return 0;
}

}  // namespace hearth::cli
