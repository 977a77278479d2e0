// The served model's identity, listings data and prompt building (see served_model.hpp).
#include "server/served_model.hpp"

#include <sys/stat.h>

#include <cstdio>

#include "hearth/ggml_type.hpp"
#include "server/api_error.hpp"

namespace hearth::server {

namespace {

// stat, not std::filesystem: GCC 12 has no clock_cast from file_clock to system time.
int64_t modified_time(const std::filesystem::path& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_mtime) : 0;
}

ApiError too_long(size_t n, size_t n_ctx, const char* param) {
    return ApiError(400, "invalid_request_error", "context_length_exceeded", param,
                    std::string("the prompt is ") + (n ? std::to_string(n) + " tokens" : "too long") +
                        ", the context holds " + std::to_string(n_ctx) +
                        " tokens per request including the answer (start the server with a larger -c)");
}

}  // namespace

ServedModel::ServedModel(const Model& model, const std::filesystem::path& path, std::string name, size_t n_ctx)
    : model_(model), name_(std::move(name)), n_ctx_(n_ctx), tmpl_(ChatTemplate::from_gguf(model.file())) {
    const Tokenizer& tok = model.tokenizer();
    for (size_t id = 0; id < tok.n_vocab(); ++id)
        max_token_bytes_ = std::max(max_token_bytes_, tok.token_to_bytes(static_cast<TokenId>(id), true).size());
    file_size_ = model.file().file_size();
    for (const gguf::TensorInfo& t : model.file().tensors()) parameters_ += t.n_elements;
    modified_unix_ = modified_time(path);
    tool_format_ = server::tool_format(tmpl_ ? std::string_view(tmpl_->source()) : std::string_view());
}

bool ServedModel::answers_to(std::string_view requested) const {
    if (requested.empty() || requested == name_) return true;
    // Ollama's implicit tag, either way round: "x" is "x:latest".
    constexpr std::string_view kLatest = ":latest";
    if (requested.size() == name_.size() + kLatest.size() && requested.starts_with(name_) && requested.ends_with(kLatest))
        return true;
    if (name_.size() == requested.size() + kLatest.size() && name_.starts_with(requested) && name_.ends_with(kLatest))
        return true;
    return !model_.config().name.empty() && requested == model_.config().name;
}

std::string ServedModel::plain_text_rendering(std::span<const ChatMessage> messages) {
    std::string text;
    for (const ChatMessage& m : messages) {
        if (!text.empty()) text += '\n';
        text += m.content;
    }
    return text;
}

std::vector<TokenId> ServedModel::tokenize(std::string_view text, bool add_special, const char* param) const {
    // A text longer than n_ctx of the longest tokens cannot fit: refused before the tokenizer
    // spends time on a multi-megabyte prompt.
    if (text.size() / max_token_bytes_ >= n_ctx_) throw too_long(0, n_ctx_, param);
    std::vector<TokenId> ids = model_.tokenizer().encode(text, add_special, true);
    if (ids.empty()) throw_bad_field(param, "the prompt is empty (the model adds no BOS token)");
    if (ids.size() >= n_ctx_) throw too_long(ids.size(), n_ctx_, param);
    return ids;
}

std::vector<TokenId> ServedModel::chat_prompt(std::span<const ChatMessage> messages, const ToolRequest& tools) const {
    const std::vector<ChatMessage> seen =
        messages_for_template(tool_format_, tools, std::vector<ChatMessage>(messages.begin(), messages.end()));
    if (!tmpl_) return tokenize(plain_text_rendering(seen), true, "messages");
    const bool template_tools = tools.active() && tool_format_.template_has_tools;
    std::string prompt;
    try {
        prompt = tmpl_->render(seen, true, {}, template_tools ? tools.tools.dump() : std::string());
    } catch (const Error& e) {
        // e.g. a template that insists on alternating user/assistant turns
        throw_bad_field("messages", std::string("the model's chat template refused them: ") + e.what());
    }
    const Tokenizer& tok = model_.tokenizer();
    // Templates that write BOS themselves must not get a second one from the tokenizer.
    const bool add_special = !(tok.bos() >= 0 && prompt.starts_with(tok.token_text(tok.bos())));
    return tokenize(prompt, add_special, "messages");
}

std::vector<TokenId> ServedModel::text_prompt(std::string_view text) const { return tokenize(text, true, "prompt"); }

std::string ServedModel::parameter_size() const {
    const double p = static_cast<double>(parameters_);
    char buf[32];
    if (p >= 1e9) std::snprintf(buf, sizeof buf, "%.1fB", p / 1e9);
    else if (p >= 1e6) std::snprintf(buf, sizeof buf, "%.1fM", p / 1e6);
    else std::snprintf(buf, sizeof buf, "%.1fK", p / 1e3);
    return buf;
}

std::string ServedModel::quantization() const {
    const gguf::Value* v = model_.file().find("general.file_type");
    const auto id = v ? v->as_uint() : std::nullopt;
    const auto name = id && *id <= UINT32_MAX ? file_type_name(static_cast<uint32_t>(*id)) : std::nullopt;
    return name ? std::string(*name) : "unknown";
}

}  // namespace hearth::server
