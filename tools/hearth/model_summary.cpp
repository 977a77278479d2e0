// Header-only summary of a GGUF file (architecture, parameters, file type, vocabulary) and the
// resolution of model names for -m.
#include "model_summary.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>

#include "hearth/model_library.hpp"

namespace hearth::cli {

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


std::string human_count(uint64_t n) {
    char buf[32];
    if (n >= 1000000000) std::snprintf(buf, sizeof buf, "%.2f B", n / 1e9);
    else if (n >= 1000000) std::snprintf(buf, sizeof buf, "%.2f M", n / 1e6);
    else if (n >= 1000) std::snprintf(buf, sizeof buf, "%.2f K", n / 1e3);
    else std::snprintf(buf, sizeof buf, "%" PRIu64, n);
    return buf;
}


std::string resolve_model_arg(const std::string& name_or_path) { return resolve_model_arg_named(name_or_path).path.string(); }

LocalModel resolve_model_arg_named(const std::string& name_or_path) {
    return resolve_local_model(name_or_path, ModelStores::from_environment());
}

}  // namespace hearth::cli
