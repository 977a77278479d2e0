// Binding named GGUF tensors to the graph's weight slots: every shape and type is checked here,
// so the forward pass can trust its views without further checks.
#include "model/weights.hpp"

#include <algorithm>
#include <span>
#include <string>

#include <fmt/format.h>

namespace hearth::model {

namespace {

class Binder {
public:
    explicit Binder(const gguf::File& file) : file_(file) {}

    // GGUF dims as stored: ne[0] = cols (fastest), ne[1] = rows.
    ops::WeightView matrix(const std::string& name, size_t n_cols, size_t n_rows) const {
        const gguf::TensorInfo& t = file_.tensor(name);
        check_shape(t, {n_cols, n_rows, 1}, 2);
        return view(t, n_cols, n_rows);
    }

    // ne = [n_cols, n_rows, n_expert]: one [n_rows, n_cols] matrix per expert.
    ExpertWeights experts(const std::string& name, size_t n_cols, size_t n_rows, size_t n_expert) const {
        const gguf::TensorInfo& t = file_.tensor(name);
        check_shape(t, {n_cols, n_rows, n_expert}, 3);
        ExpertWeights e;
        e.first = view(t, n_cols, n_rows);
        e.expert_bytes = e.first.row_bytes * n_rows;
        e.n_expert = n_expert;
        return e;
    }

    const float* vector(const std::string& name, size_t n) const {
        const gguf::TensorInfo& t = file_.tensor(name);
        check_shape(t, {n, 1, 1}, 1);
        if (t.type != GgmlType::f32)
            throw Error(ErrorCode::unsupported, file_.name() + ": tensor '" + name + "' has type " +
                                                    std::string(ggml_type_name(t.type)) + ", expected f32");
        if (reinterpret_cast<uintptr_t>(t.data) % alignof(float) != 0)
            throw Error(ErrorCode::invalid_file, file_.name() + ": tensor '" + name + "' data is not 4-byte aligned");
        return reinterpret_cast<const float*>(t.data);
    }

    const float* optional_vector(const std::string& name, size_t n) const {
        return file_.find_tensor(name) ? vector(name, n) : nullptr;
    }

private:
    ops::WeightView view(const gguf::TensorInfo& t, size_t n_cols, size_t n_rows) const {
        const std::string name(t.name);
        if (!ops::matmul_supported(t.type))
            throw Error(ErrorCode::unsupported, file_.name() + ": tensor '" + name + "' has type " +
                                                    std::string(ggml_type_name(t.type)) + ", which hearth cannot multiply by");
        const auto row_bytes = ggml_row_bytes(t.type, n_cols);
        if (!row_bytes)
            throw Error(ErrorCode::invalid_file, fmt::format("{}: tensor '{}' rows of {} elements are not whole {} blocks", file_.name(),
                                                             name, n_cols, ggml_type_name(t.type)));
        ops::WeightView w;
        w.type = t.type;
        w.data = t.data;
        w.n_cols = n_cols;
        w.n_rows = n_rows;
        w.row_bytes = static_cast<size_t>(*row_bytes);
        return w;
    }

    void check_shape(const gguf::TensorInfo& t, std::array<size_t, 3> want, uint32_t dims) const {
        bool ok = t.ne[0] == want[0] && t.ne[1] == want[1] && t.ne[2] == want[2] && t.ne[3] == 1;
        if (ok) return;
        throw Error(ErrorCode::invalid_file, fmt::format("{}: tensor '{}' has shape [{}], expected [{}]", file_.name(), t.name,
                                                         fmt::join(std::span(t.ne).first(t.n_dims), ", "),
                                                         fmt::join(std::span(want).first(dims), ", ")));
    }

    const gguf::File& file_;
};

LayerWeights bind_layer(const Binder& b, const ModelConfig& c, const ArchSpec& arch, size_t il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    LayerWeights l;
    l.attn_norm = b.vector(p + "attn_norm.weight", c.n_embd);
    l.wq = b.matrix(p + "attn_q.weight", c.n_embd, c.q_dim());
    l.wk = b.matrix(p + "attn_k.weight", c.n_embd, c.kv_dim());
    l.wv = b.matrix(p + "attn_v.weight", c.n_embd, c.kv_dim());
    if (arch.requires_qkv_bias) {
        l.bq = b.vector(p + "attn_q.bias", c.q_dim());
        l.bk = b.vector(p + "attn_k.bias", c.kv_dim());
        l.bv = b.vector(p + "attn_v.bias", c.kv_dim());
    } else {
        l.bq = b.optional_vector(p + "attn_q.bias", c.q_dim());
        l.bk = b.optional_vector(p + "attn_k.bias", c.kv_dim());
        l.bv = b.optional_vector(p + "attn_v.bias", c.kv_dim());
    }
    if (arch.requires_qk_norm) {
        l.q_norm = b.vector(p + "attn_q_norm.weight", c.head_dim);
        l.k_norm = b.vector(p + "attn_k_norm.weight", c.head_dim);
    }
    l.wo = b.matrix(p + "attn_output.weight", c.q_dim(), c.n_embd);
    l.bo = b.optional_vector(p + "attn_output.bias", c.n_embd);
    l.ffn_norm = b.vector(p + "ffn_norm.weight", c.n_embd);
    if (arch.moe) {
        l.ffn_gate_inp = b.matrix(p + "ffn_gate_inp.weight", c.n_embd, c.n_expert);
        l.ffn_gate_exps = b.experts(p + "ffn_gate_exps.weight", c.n_embd, c.n_ff_exp, c.n_expert);
        l.ffn_up_exps = b.experts(p + "ffn_up_exps.weight", c.n_embd, c.n_ff_exp, c.n_expert);
        l.ffn_down_exps = b.experts(p + "ffn_down_exps.weight", c.n_ff_exp, c.n_embd, c.n_expert);
        return l;
    }
    l.ffn_gate = b.matrix(p + "ffn_gate.weight", c.n_embd, c.n_ff);
    l.ffn_up = b.matrix(p + "ffn_up.weight", c.n_embd, c.n_ff);
    l.ffn_down = b.matrix(p + "ffn_down.weight", c.n_ff, c.n_embd);
    if (arch.requires_post_norms) {
        l.attn_post_norm = b.vector(p + "post_attention_norm.weight", c.n_embd);
        l.ffn_post_norm = b.vector(p + "post_ffw_norm.weight", c.n_embd);
    }
    return l;
}

NormWeights bind_norm(const Binder& b, const std::string& name, size_t n) {
    return {b.vector(name + ".weight", n), b.vector(name + ".bias", n)};
}

// BERT's tensor names (llama.cpp's LLM_ARCH_BERT): every projection has a bias, norms come after
// the residual sums, the FFN is up -> GELU -> down without a gate.
LayerWeights bind_encoder_layer(const Binder& b, const ModelConfig& c, size_t il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    LayerWeights l;
    l.wq = b.matrix(p + "attn_q.weight", c.n_embd, c.q_dim());
    l.wk = b.matrix(p + "attn_k.weight", c.n_embd, c.kv_dim());
    l.wv = b.matrix(p + "attn_v.weight", c.n_embd, c.kv_dim());
    l.bq = b.vector(p + "attn_q.bias", c.q_dim());
    l.bk = b.vector(p + "attn_k.bias", c.kv_dim());
    l.bv = b.vector(p + "attn_v.bias", c.kv_dim());
    l.wo = b.matrix(p + "attn_output.weight", c.q_dim(), c.n_embd);
    l.bo = b.vector(p + "attn_output.bias", c.n_embd);
    l.attn_out_norm = bind_norm(b, p + "attn_output_norm", c.n_embd);
    l.ffn_up = b.matrix(p + "ffn_up.weight", c.n_embd, c.n_ff);
    l.ffn_up_b = b.vector(p + "ffn_up.bias", c.n_ff);
    l.ffn_down = b.matrix(p + "ffn_down.weight", c.n_ff, c.n_embd);
    l.ffn_down_b = b.vector(p + "ffn_down.bias", c.n_embd);
    l.layer_out_norm = bind_norm(b, p + "layer_output_norm", c.n_embd);
    return l;
}

ModelWeights bind_encoder(const Binder& b, const gguf::File& file, const ModelConfig& c) {
    ModelWeights w;
    w.token_embd = b.matrix("token_embd.weight", c.n_embd, c.n_vocab);
    w.output = w.token_embd;  // never multiplied by (no logits); keeps matrices() uniform
    w.position_embd = b.matrix("position_embd.weight", c.n_embd, c.n_ctx_train);
    const gguf::TensorInfo* types = file.find_tensor("token_types.weight");
    if (types) w.token_types = b.matrix("token_types.weight", c.n_embd, std::max<uint64_t>(types->ne[1], 1));
    w.embd_norm = bind_norm(b, "token_embd_norm", c.n_embd);
    w.layers.reserve(c.n_layer);
    for (size_t il = 0; il < c.n_layer; ++il) w.layers.push_back(bind_encoder_layer(b, c, il));
    return w;
}

}  // namespace

std::vector<const ops::WeightView*> ModelWeights::matrices() const {
    std::vector<const ops::WeightView*> out = {&token_embd, &output};
    for (const LayerWeights& l : layers)
        for (const ops::WeightView* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down, &l.ffn_gate_inp,
                                         &l.ffn_gate_exps.first, &l.ffn_up_exps.first, &l.ffn_down_exps.first})
            if (w->data != nullptr) out.push_back(w);  // a layer has either the dense or the expert FFN
    return out;
}

uint64_t bytes_read_per_token(const gguf::File& file, const ModelConfig& c) {
    uint64_t bytes = 0;
    for (const gguf::TensorInfo& t : file.tensors()) {
        if (c.n_expert != 0 && t.name.ends_with("_exps.weight"))
            bytes += t.n_bytes / c.n_expert * c.n_expert_used;  // each token's experts, whole matrices
        else if (t.name == "token_embd.weight" && !c.tied_embeddings)
            bytes += t.n_bytes / std::max<uint64_t>(t.rows(), 1);  // the lookup reads one row
        else
            bytes += t.n_bytes;
    }
    return bytes;
}

ModelWeights bind_weights(const gguf::File& file, const ModelConfig& c, const ArchSpec& arch) {
    const Binder b(file);
    if (arch.encoder) return bind_encoder(b, file, c);
    ModelWeights w;
    w.token_embd = b.matrix("token_embd.weight", c.n_embd, c.n_vocab);
    w.output_norm = b.vector("output_norm.weight", c.n_embd);
    w.output = c.tied_embeddings ? w.token_embd : b.matrix("output.weight", c.n_embd, c.n_vocab);
    if (c.has_rope_freqs) w.rope_freqs = b.vector("rope_freqs.weight", c.n_rot / 2);
    w.layers.reserve(c.n_layer);
    for (size_t il = 0; il < c.n_layer; ++il) w.layers.push_back(bind_layer(b, c, arch, il));
    return w;
}

}  // namespace hearth::model
