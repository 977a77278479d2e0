// ChatTemplate: reads the template and BOS/EOS texts from GGUF metadata, parses once, and
// renders conversations with the variables chat templates expect.
#include "hearth/chat_template.hpp"

#include "chat/builtins.hpp"
#include "chat/evaluator.hpp"
#include "chat/parser.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"

namespace hearth {

namespace jinja {
struct Program {
    Body body;
};
}  // namespace jinja

namespace {

// Text of the token whose id is stored under `id_key`, or "" when absent or out of range.
std::string special_token_text(const gguf::File& file, std::string_view id_key) {
    const auto id = file.get_uint_opt(id_key);
    const gguf::Value* tokens = file.find("tokenizer.ggml.tokens");
    if (!id || !tokens || tokens->type() != gguf::ValueType::array) return {};
    const auto texts = tokens->strings();
    return *id < texts.size() ? std::string(texts[*id]) : std::string();
}

}  // namespace

std::optional<ChatTemplate> ChatTemplate::from_gguf(const gguf::File& file) {
    const auto source = file.get_string_opt("tokenizer.chat_template");
    if (!source) return std::nullopt;
    try {
        return ChatTemplate(std::string(*source), special_token_text(file, "tokenizer.ggml.bos_token_id"),
                            special_token_text(file, "tokenizer.ggml.eos_token_id"));
    } catch (const Error& e) {
        throw Error(e.code(), file.name() + ": tokenizer.chat_template: " + e.what());
    }
}

ChatTemplate::ChatTemplate(std::string source, std::string bos_token, std::string eos_token)
    : source_(std::move(source)), bos_token_(std::move(bos_token)), eos_token_(std::move(eos_token)) {
    auto program = std::make_shared<jinja::Program>();
    program->body = jinja::parse(jinja::tokenize(source_));
    program_ = std::move(program);
}

std::string ChatTemplate::render(std::span<const ChatMessage> messages, bool add_generation_prompt) const {
    return render(messages, add_generation_prompt, {});
}

std::string ChatTemplate::render(std::span<const ChatMessage> messages, bool add_generation_prompt,
                                 std::span<const ChatVariable> variables) const {
    // Work allowed grows with the input: real templates take ~50 steps per message (Qwen3's),
    // so a long conversation renders while a template looping on nothing is still cut off.
    jinja::Limits limits;
    limits.max_steps += 1000 * static_cast<uint64_t>(messages.size());
    jinja::List list;
    for (const ChatMessage& m : messages) {
        limits.max_output += 2 * (m.role.size() + m.content.size());
        limits.max_steps += m.content.size() / 16;  // strings are charged 1 step per 256 bytes
        auto d = jinja::make_dict();
        d->set("role", m.role);
        d->set("content", m.content);
        list.emplace_back(std::move(d));
    }
    jinja::Dict globals;
    jinja::add_global_functions(globals);
    globals.set("messages", std::move(list));
    globals.set("add_generation_prompt", add_generation_prompt);
    globals.set("bos_token", bos_token_);
    globals.set("eos_token", eos_token_);
    for (const ChatVariable& v : variables) {
        for (const char* reserved : {"messages", "add_generation_prompt", "bos_token", "eos_token"})
            if (v.name == reserved)
                throw Error(ErrorCode::invalid_argument, "chat template: variable '" + v.name + "' is set by hearth");
        globals.set(v.name, std::visit([](const auto& x) { return jinja::Value(x); }, v.value));
    }
    return jinja::Evaluator(limits).render(program_->body, globals);
}

}  // namespace hearth
