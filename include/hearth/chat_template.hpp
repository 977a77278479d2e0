// Renders a model's chat template (GGUF key tokenizer.chat_template, a Jinja template) into the
// prompt text for a conversation. hearth carries its own small Jinja interpreter, so templates
// of models it has never seen work too, rendered as Hugging Face does (trim_blocks, lstrip_blocks).
// A ChatTemplate is immutable after construction and may be shared by threads.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hearth::gguf {
class File;
}

namespace hearth {

// A function call an assistant turn made (OpenAI's message.tool_calls[i]). The arguments stay
// JSON text here so that this header needs no JSON library; templates receive them as a dict
// (Qwen's does `arguments | tojson`, Llama 3.1's iterates them).
struct ChatToolCall {
    std::string id;              // "call_..." (may be empty)
    std::string name;            // the function's name
    std::string arguments_json;  // a JSON object, e.g. {"city": "Paris"}
};

struct ChatMessage {
    std::string role;  // "system", "user", "assistant", "tool"
    std::string content;
    std::vector<ChatToolCall> tool_calls;  // assistant: the calls it made (the template sees the key only when non-empty)
    std::string tool_call_id;              // tool: the call this result answers ("" = not given)
    std::string name;                      // tool: the function's name ("" = not given)
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
    // bos_token, eos_token or tools (Error(invalid_argument) if they try). tools_json, when not
    // empty, is a JSON list of tools in OpenAI's shape ([{"type": "function", "function":
    // {"name", "description", "parameters"}}]) that the template receives as `tools`, lists and
    // dicts as Hugging Face passes them; empty leaves `tools` undefined. Invalid JSON, a
    // non-list, or tool-call arguments that are not a JSON object: Error(invalid_argument).
    std::string render(std::span<const ChatMessage> messages, bool add_generation_prompt,
                       std::span<const ChatVariable> variables, std::string_view tools_json = {}) const;

    const std::string& source() const noexcept { return source_; }

private:
    std::string source_, bos_token_, eos_token_;
    std::shared_ptr<const jinja::Program> program_;
};

}  // namespace hearth
