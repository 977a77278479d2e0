// ChatTemplate: reads the template and BOS/EOS texts from GGUF metadata, parses once, and
// renders conversations with the variables chat templates expect.
#include "hearth/chat_template.hpp"

#include "chat/builtins.hpp"
#include "chat/evaluator.hpp"
#include "chat/json_value.hpp"
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

// A tool call as Hugging Face passes it: {"id", "type": "function", "function": {"name",
// "arguments": dict}}. Templates differ in what they read (Qwen: tool_call.function when present,
// Llama 3.1: .function.arguments | items), so the whole OpenAI shape is given.
jinja::Value tool_call_value(const ChatToolCall& call) {
    jinja::Value arguments = jinja::value_from_json(call.arguments_json, "tool call '" + call.name + "' arguments");
    if (!arguments.is_dict())
        throw Error(ErrorCode::invalid_argument, "tool call '" + call.name + "' arguments: expected a JSON object");
    auto function = jinja::make_dict();
    function->set("name", call.name);
    function->set("arguments", std::move(arguments));
    auto d = jinja::make_dict();
    if (!call.id.empty()) d->set("id", call.id);
    d->set("type", "function");
    d->set("function", std::move(function));
    return jinja::Value(std::move(d));
}

// A message as a dict. Optional keys are left out when empty, as templates test them with
// `'tool_calls' in message` or `message.tool_calls is defined`.
jinja::Value message_value(const ChatMessage& m) {
    auto d = jinja::make_dict();
    d->set("role", m.role);
    d->set("content", m.content);
    if (!m.tool_calls.empty()) {
        jinja::List calls;
        for (const ChatToolCall& call : m.tool_calls) calls.push_back(tool_call_value(call));
        d->set("tool_calls", std::move(calls));
    }
    if (!m.tool_call_id.empty()) d->set("tool_call_id", m.tool_call_id);
    if (!m.name.empty()) d->set("name", m.name);
    return jinja::Value(std::move(d));
}

size_t message_bytes(const ChatMessage& m) {
    size_t n = m.role.size() + m.content.size();
    for (const ChatToolCall& call : m.tool_calls) n += call.name.size() + call.arguments_json.size();
    return n;
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
                                 std::span<const ChatVariable> variables, std::string_view tools_json) const {
    // Work allowed grows with the input: real templates take ~50 steps per message (Qwen3's),
    // so a long conversation renders while a template looping on nothing is still cut off.
    jinja::Limits limits;
    limits.max_steps += 1000 * static_cast<uint64_t>(messages.size());
    jinja::List list;
    for (const ChatMessage& m : messages) {
        const size_t bytes = message_bytes(m);
        limits.max_output += 2 * bytes;
        limits.max_steps += bytes / 16;  // strings are charged 1 step per 256 bytes
        list.push_back(message_value(m));
    }
    jinja::Dict globals;
    jinja::add_global_functions(globals);
    globals.set("messages", std::move(list));
    if (!tools_json.empty()) {
        jinja::Value tools = jinja::value_from_json(tools_json, "tools");
        if (!tools.is_list()) throw Error(ErrorCode::invalid_argument, "tools: expected a JSON list");
        // Templates print each tool's schema, some indented (tojson(indent=4)): room for that.
        limits.max_output += 4 * tools_json.size();
        limits.max_steps += 100 * tools.as_list().size() + tools_json.size() / 16;
        globals.set("tools", std::move(tools));
    }
    globals.set("add_generation_prompt", add_generation_prompt);
    globals.set("bos_token", bos_token_);
    globals.set("eos_token", eos_token_);
    for (const ChatVariable& v : variables) {
        for (const char* reserved : {"messages", "add_generation_prompt", "bos_token", "eos_token", "tools"})
            if (v.name == reserved)
                throw Error(ErrorCode::invalid_argument, "chat template: variable '" + v.name + "' is set by hearth");
        globals.set(v.name, std::visit([](const auto& x) { return jinja::Value(x); }, v.value));
    }
    return jinja::Evaluator(limits).render(program_->body, globals);
}

}  // namespace hearth
