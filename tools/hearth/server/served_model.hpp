// The model behind the server as the APIs see it: its name(s), its metadata for /api/show and
// /api/tags, and the prompt for a request (chat template or plain text, then tokens).
// Immutable after construction; shared by all request threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/chat_template.hpp"
#include "hearth/hearth.hpp"
#include "server/tool_calls.hpp"

namespace hearth::server {

class ServedModel {
public:
    // name: what the model goes by (`hearth list`'s name, e.g. "llama3.2:1b", or the file's stem);
    // n_ctx: tokens per slot (what one request may use for prompt + answer).
    ServedModel(const Model& model, const std::filesystem::path& path, std::string name, size_t n_ctx);

    const Model& model() const noexcept { return model_; }
    // The id /v1/models lists and Ollama's name ("tiny-qwen3-q4_k_m", answering to
    // "tiny-qwen3-q4_k_m:latest" too, or a store's "llama3.2:1b").
    const std::string& name() const noexcept { return name_; }
    size_t n_ctx() const noexcept { return n_ctx_; }
    bool has_template() const noexcept { return tmpl_.has_value(); }
    const std::optional<ChatTemplate>& chat_template() const noexcept { return tmpl_; }
    // How the model writes tool calls, as its template tells.
    const ToolFormat& tool_format() const noexcept { return tool_format_; }

    // True for "" (not given), the name, with or without Ollama's ":latest", and general.name; the
    // APIs answer 404 otherwise.
    bool answers_to(std::string_view requested) const;

    // The prompt tokens for a conversation: the chat template with the assistant turn opened, or
    // without a template the plain-text rendering (contents joined by newlines, see README).
    // Active tools reach the template as `tools` (or a system message when it has no tool
    // section, see messages_for_template). ApiError 400 when the template refuses the messages
    // or the prompt does not fit n_ctx.
    std::vector<TokenId> chat_prompt(std::span<const ChatMessage> messages, const ToolRequest& tools = {}) const;
    // A text to continue, with BOS as the model asks.
    std::vector<TokenId> text_prompt(std::string_view text) const;
    // What a model without a template sees for a conversation.
    static std::string plain_text_rendering(std::span<const ChatMessage> messages);

    // For the model listings.
    uint64_t file_size() const noexcept { return file_size_; }
    int64_t modified_unix() const noexcept { return modified_unix_; }
    uint64_t parameters() const noexcept { return parameters_; }
    std::string parameter_size() const;   // "260.1K", "7.6B" as Ollama prints it
    std::string quantization() const;     // "Q4_K_M", from general.file_type

private:
    std::vector<TokenId> tokenize(std::string_view text, bool add_special, const char* param) const;
    const Model& model_;
    std::string name_;
    size_t n_ctx_;
    std::optional<ChatTemplate> tmpl_;
    ToolFormat tool_format_;
    size_t max_token_bytes_ = 1;  // the longest vocabulary entry: bounds the bytes n_ctx tokens can hold
    uint64_t file_size_ = 0, parameters_ = 0;
    int64_t modified_unix_ = 0;
};

}  // namespace hearth::server
