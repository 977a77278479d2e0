// Renders a model's chat template (GGUF key tokenizer.chat_template, a Jinja template) into the
// prompt text for a conversation. hearth carries its own small Jinja interpreter, so templates
// of models it has never seen work too, rendered as Hugging Face does (trim_blocks, lstrip_blocks).
// A ChatTemplate is immutable after construction and may be shared by threads.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>

namespace hearth::gguf {
class File;
}

namespace hearth {

struct ChatMessage {
    std::string role;  // "system", "user", "assistant", "tool"
    std::string content;
};

// An extra variable for the template, e.g. {"enable_thinking", false} to turn off Qwen3's
// reasoning block (what llama.cpp's --chat-template-kwargs passes).
struct ChatVariable {
    std::string name;
    std::variant<bool, int64_t, double, std::string> value;
};

namespace jinja {
struct Program;
}

class ChatTemplate {
public:
    // The template in tokenizer.chat_template with the BOS/EOS token texts of the file's
    // vocabulary; nullopt when the file has no template. Throws Error(invalid_argument) when
    // the template does not parse.
    static std::optional<ChatTemplate> from_gguf(const gguf::File& file);

    // Parses the template; throws Error(invalid_argument) with line/col on a syntax error.
    ChatTemplate(std::string source, std::string bos_token, std::string eos_token);

    // The prompt for `messages`; with add_generation_prompt the template's opening of an
    // assistant turn is appended. Throws Error(invalid_argument) when the template raises
    // (raise_exception), misuses a value, or exceeds the interpreter's work/output bounds.
    std::string render(std::span<const ChatMessage> messages, bool add_generation_prompt) const;
    // The same with extra variables; they cannot replace messages, add_generation_prompt,
    // bos_token or eos_token (Error(invalid_argument) if they try).
    std::string render(std::span<const ChatMessage> messages, bool add_generation_prompt,
                       std::span<const ChatVariable> variables) const;

    const std::string& source() const noexcept { return source_; }

private:
    std::string source_, bos_token_, eos_token_;
    std::shared_ptr<const jinja::Program> program_;
};

}  // namespace hearth
