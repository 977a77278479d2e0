// Parsing embedding requests (see embedding_request.hpp).
#include "server/embedding_request.hpp"

#include <numeric>

#include "server/api_error.hpp"
#include "server/request_fields.hpp"
#include "server/served_model.hpp"

namespace hearth::server {

namespace {

using nlohmann::json;

// Tokenizes and checks each input of one request against the served model.
class InputReader {
public:
    InputReader(const ServedModel& model, EmbeddingRequest& out, bool truncate)
        : model_(model), out_(out), truncate_(truncate) {}

    void text(const json& v, const std::string& param) {
        if (!v.is_string()) throw_bad_field(param, std::string("expected a string, got ") + json_type_name(v));
        const std::string& text = v.get_ref<const std::string&>();
        if (text.empty()) throw_bad_field(param, "the text is empty: there is nothing to embed");
        const EmbedOptions& o = out_.options;
        add(model_.model().tokenizer().encode(text, o.add_special, o.parse_special), param);
    }

    void ids(const json& v, const std::string& param) {
        if (!v.is_array()) throw_bad_field(param, std::string("expected an array of token ids, got ") + json_type_name(v));
        if (v.empty()) throw_bad_field(param, "the array of token ids is empty: there is nothing to embed");
        const size_t n_vocab = model_.model().config().n_vocab;
        std::vector<TokenId> ids;
        ids.reserve(v.size());
        for (size_t i = 0; i < v.size(); ++i) {
            const json& id = v[i];
            if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<uint64_t>() >= n_vocab)
                throw_bad_field(param + "[" + std::to_string(i) + "]",
                                "expected a token id in [0, " + std::to_string(n_vocab) + "), got " + id.dump());
            ids.push_back(id.get<TokenId>());
        }
        add(std::move(ids), param);
    }

private:
    void add(std::vector<TokenId> ids, const std::string& param) {
        const size_t n_ctx = model_.n_ctx();
        if (ids.size() > n_ctx && truncate_) ids.resize(n_ctx);  // Ollama keeps the start
        if (ids.size() > n_ctx)
            throw ApiError(400, "invalid_request_error", "context_length_exceeded", param,
                           param + ": " + std::to_string(ids.size()) + " tokens, more than the " + std::to_string(n_ctx) +
                               " an input may have (the server's context per request, -c)");
        out_.inputs.push_back(std::move(ids));
    }

    const ServedModel& model_;
    EmbeddingRequest& out_;
    bool truncate_;
};

void check_count(size_t n) {
    if (n == 0) throw_bad_field("input", "the array is empty: there is nothing to embed");
    if (n > kMaxEmbeddingInputs)
        throw_bad_field("input", std::to_string(n) + " inputs, more than the " + std::to_string(kMaxEmbeddingInputs) +
                                     " one request may have");
}

// model, dimensions (1..n_embd) and the model's pooling, which every endpoint shares.
EmbeddingRequest common_fields(const Fields& f, const ServedModel& model) {
    EmbeddingRequest r;
    r.model = f.string("model").value_or("");
    const size_t n_embd = model.model().config().n_embd;
    r.options.dimensions = static_cast<size_t>(f.integer("dimensions", 1, static_cast<int64_t>(n_embd)).value_or(0));
    try {
        r.options.pooling = default_pooling(model.model());
    } catch (const Error& e) {  // a reranker's pooling type: the model cannot embed
        throw ApiError(400, "invalid_request_error", "model_not_supported", "model", e.what());
    }
    return r;
}

const json& required(const Fields& f, const char* key) {
    const json* v = f.find(key);
    if (!v) throw_bad_field(key, "required");
    return *v;
}

}  // namespace

size_t EmbeddingRequest::tokens() const {
    return std::accumulate(inputs.begin(), inputs.end(), size_t{0}, [](size_t n, const auto& ids) { return n + ids.size(); });
}

EmbeddingRequest parse_openai_embeddings(const json& body, const ServedModel& model) {
    const Fields f(body, "");
    EmbeddingRequest r = common_fields(f, model);
    r.options.normalize = true;
    const std::string format = f.string("encoding_format").value_or("float");
    if (format != "float" && format != "base64") throw_bad_field("encoding_format", "expected \"float\" or \"base64\", got \"" + format + "\"");
    r.base64 = format == "base64";
    const json& input = required(f, "input");
    InputReader read(model, r, false);
    if (input.is_string()) {
        read.text(input, "input");
        return r;
    }
    if (!input.is_array())
        throw_bad_field("input", std::string("expected a string, an array of strings, an array of token ids or an array "
                                             "of arrays of token ids, got ") + json_type_name(input));
    if (!input.empty() && input[0].is_number()) {  // one input given as token ids
        read.ids(input, "input");
        return r;
    }
    check_count(input.size());
    for (size_t i = 0; i < input.size(); ++i) {
        const std::string param = "input[" + std::to_string(i) + "]";
        if (input[0].is_array())
            read.ids(input[i], param);
        else
            read.text(input[i], param);
    }
    return r;
}

EmbeddingRequest parse_ollama_embed(const json& body, const ServedModel& model) {
    const Fields f(body, "");
    EmbeddingRequest r = common_fields(f, model);
    r.options.normalize = true;
    const json& input = required(f, "input");
    InputReader read(model, r, f.boolean("truncate").value_or(true));
    if (input.is_array()) {
        check_count(input.size());
        for (size_t i = 0; i < input.size(); ++i) read.text(input[i], "input[" + std::to_string(i) + "]");
    } else {
        if (!input.is_string()) throw_bad_field("input", std::string("expected a string or an array of strings, got ") + json_type_name(input));
        read.text(input, "input");
    }
    return r;
}

EmbeddingRequest parse_ollama_embeddings(const json& body, const ServedModel& model) {
    const Fields f(body, "");
    EmbeddingRequest r = common_fields(f, model);
    InputReader(model, r, false).text(required(f, "prompt"), "prompt");
    return r;
}

}  // namespace hearth::server
