// Request bodies -> GenerationRequest (see request_parse.hpp). Ranges follow the OpenAI API
// reference (temperature 0..2, penalties -2..2, at most 4 stop strings for OpenAI) and Ollama's
// options (num_predict -1 = unlimited, -2 = fill the context).
#include "server/request_parse.hpp"

#include <random>

#include "server/api_error.hpp"
#include "server/request_fields.hpp"

namespace hearth::server {

namespace {

constexpr int64_t kMaxTokensLimit = int64_t{1} << 31;  // beyond any context; larger is a typo
constexpr size_t kMaxStopStrings = 16;

const char* const kRoles[] = {"system", "user", "assistant", "tool"};

std::string checked_role(const Fields& m, bool openai) {
    const std::optional<std::string> role = m.string("role");
    if (!role) m.fail("role", "missing");
    if (openai && *role == "developer") return "system";  // OpenAI's newer name for system
    for (const char* r : kRoles)
        if (*role == r) return *role;
    m.fail("role", "unknown role '" + *role + "' (expected system, user, assistant or tool)");
}

// OpenAI content: a string or a list of {"type": "text", "text": ...} parts (joined).
std::string openai_content(const Fields& m) {
    const nlohmann::json* c = m.find("content");
    if (!c) return "";  // an assistant turn that only called tools
    if (c->is_string()) return c->get<std::string>();
    if (!c->is_array()) m.fail("content", std::string("expected a string or a list of parts, got ") + json_type_name(*c));
    std::string text;
    for (size_t i = 0; i < c->size(); ++i) {
        const Fields part((*c)[i], m.name("content") + "[" + std::to_string(i) + "]");
        const std::string type = part.string("type").value_or("");
        if (type != "text") part.fail("type", "only text parts are supported, got '" + type + "'");
        text += part.string("text").value_or("");
    }
    return text;
}

// An earlier call of an assistant turn. OpenAI sends the arguments as JSON text, Ollama as an
// object; either must be a JSON object.
ChatToolCall parse_past_call(const Fields& call, bool openai) {
    const std::optional<Fields> function = call.object("function");
    if (!function) call.fail("function", "missing");
    ChatToolCall out;
    out.id = call.string("id").value_or("");
    const std::optional<std::string> name = function->string("name");
    if (!name) function->fail("name", "missing");
    out.name = *name;
    const nlohmann::json* args = function->find("arguments");
    nlohmann::ordered_json parsed = nlohmann::ordered_json::object();
    if (args && args->is_string() && openai) parsed = nlohmann::ordered_json::parse(args->get<std::string>(), nullptr, false);
    else if (args) parsed = *args;
    if (!parsed.is_object())
        function->fail("arguments", openai ? "expected a JSON object as text" : "expected an object");
    out.arguments_json = parsed.dump();
    return out;
}

// tool_calls of an assistant turn; tool_call_id and the function's name of a tool result.
void parse_tool_fields(const Fields& m, bool openai, ChatMessage& msg) {
    if (const nlohmann::json* calls = m.find("tool_calls")) {
        if (msg.role != "assistant") m.fail("tool_calls", "only assistant messages carry tool calls");
        if (!calls->is_array()) m.fail("tool_calls", std::string("expected a list, got ") + json_type_name(*calls));
        for (size_t i = 0; i < calls->size(); ++i)
            msg.tool_calls.push_back(parse_past_call(Fields((*calls)[i], m.name("tool_calls") + "[" + std::to_string(i) + "]"), openai));
    }
    if (msg.role != "tool") return;
    msg.tool_call_id = m.string("tool_call_id").value_or("");
    // Ollama names the function in tool_name (older clients: name); OpenAI's is optional.
    msg.name = m.string(openai ? "name" : "tool_name").value_or(m.string("name").value_or(""));
}

std::vector<ChatMessage> parse_messages(const Fields& body, bool openai) {
    const nlohmann::json* list = body.find("messages");
    if (!list) body.fail("messages", "missing");
    if (!list->is_array()) body.fail("messages", std::string("expected a list of messages, got ") + json_type_name(*list));
    if (list->empty()) body.fail("messages", "at least one message is needed");
    std::vector<ChatMessage> out;
    for (size_t i = 0; i < list->size(); ++i) {
        const Fields m((*list)[i], "messages[" + std::to_string(i) + "]");
        ChatMessage msg;
        msg.role = checked_role(m, openai);
        if (openai) {
            msg.content = openai_content(m);
        } else {
            msg.content = m.string("content").value_or("");
            if (const nlohmann::json* images = m.find("images"); images && !images->empty())
                m.fail("images", "this server runs text-only models");
        }
        parse_tool_fields(m, openai, msg);
        out.push_back(std::move(msg));
    }
    return out;
}

std::vector<std::string> stop_strings(const Fields& f, size_t max_items) {
    std::vector<std::string> out;
    for (std::string& s : f.strings("stop", max_items))
        if (!s.empty()) out.push_back(std::move(s));  // an empty stop string would match everywhere
    return out;
}

// The sampling fields the two APIs share (same names, same meaning).
void read_common_sampling(const Fields& f, SamplerOptions& s) {
    if (auto v = f.number("temperature", 0, 2)) s.temperature = static_cast<float>(*v);
    if (auto v = f.number("top_p", 0, 1)) {
        if (*v <= 0) f.fail("top_p", "must be greater than 0");
        s.top_p = static_cast<float>(*v);
    }
    if (auto v = f.number("presence_penalty", -2, 2)) s.presence_penalty = static_cast<float>(*v);
    if (auto v = f.number("frequency_penalty", -2, 2)) s.frequency_penalty = static_cast<float>(*v);
    // Negative seeds are valid for both APIs; the bits are kept.
    s.seed = static_cast<uint64_t>(f.integer("seed", INT64_MIN, INT64_MAX).value_or(static_cast<int64_t>(random_seed())));
}

void refuse(const Fields& f, std::string_view key, const std::string& why) {
    if (f.find(key)) f.fail(key, why);
}

GenerationRequest parse_openai_common(const Fields& f) {
    GenerationRequest r;
    r.model = f.string("model").value_or("");
    r.stream = f.boolean("stream").value_or(false);
    if (auto so = f.object("stream_options")) r.include_usage = so->boolean("include_usage").value_or(false);
    read_common_sampling(f, r.options.sampling);
    // max_completion_tokens is the newer name; when both are given it wins, as in OpenAI's API.
    if (auto v = f.integer("max_tokens", 1, kMaxTokensLimit)) r.max_tokens = static_cast<size_t>(*v);
    if (auto v = f.integer("max_completion_tokens", 1, kMaxTokensLimit)) r.max_tokens = static_cast<size_t>(*v);
    r.options.stop = stop_strings(f, 4);
    if (auto n = f.integer("n", 1, 128); n && *n != 1) f.fail("n", "only n = 1 is supported");
    if (f.boolean("logprobs").value_or(false)) f.fail("logprobs", "log probabilities are not supported");
    return r;
}

// A JSON Schema from a request as a grammar; a schema it cannot honour is a 400 naming the field.
Grammar schema_grammar(const Fields& owner, std::string_view key, const nlohmann::json& schema) {
    try {
        return Grammar::from_json_schema(schema.dump());
    } catch (const Error& e) {
        if (e.code() != ErrorCode::invalid_argument) throw;
        owner.fail(key, e.what());
    }
}

// OpenAI's response_format: {"type": "text"}, {"type": "json_object"} or
// {"type": "json_schema", "json_schema": {"name": ..., "schema": {...}, "strict": true}}. The
// output always follows the schema when one is given, strict or not.
std::optional<Grammar> openai_response_format(const Fields& rf) {
    const std::string type = rf.string("type").value_or("text");
    if (type == "text") return std::nullopt;
    if (type == "json_object") return Grammar::json_object();
    if (type != "json_schema") rf.fail("type", "expected \"text\", \"json_object\" or \"json_schema\", got '" + type + "'");
    const std::optional<Fields> js = rf.object("json_schema");
    if (!js) rf.fail("json_schema", "missing (it holds the schema)");
    const nlohmann::json* schema = js->find("schema");
    if (!schema) return Grammar::json_object();  // OpenAI: no schema means any JSON object
    return schema_grammar(*js, "schema", *schema);
}

// Ollama's format: "json" (any JSON object) or a JSON Schema object; "" means none.
std::optional<Grammar> ollama_format(const Fields& f) {
    const nlohmann::json* format = f.find("format");
    if (!format || (format->is_string() && format->get<std::string>().empty())) return std::nullopt;
    if (format->is_string() && format->get<std::string>() == "json") return Grammar::json_object();
    if (format->is_object()) return schema_grammar(f, "format", *format);
    f.fail("format", "expected \"json\" or a JSON Schema object");
}

}  // namespace

uint64_t random_seed() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng() >> 1;  // fits int64, so it can be echoed back as a JSON integer either way
}

GenerationRequest parse_openai_chat(const nlohmann::json& body) {
    const Fields f(body, "");
    GenerationRequest r = parse_openai_common(f);
    r.messages = parse_messages(f, true);
    r.tools = parse_tool_request(f, true);
    if (auto rf = f.object("response_format")) r.options.grammar = openai_response_format(*rf);
    const bool forced = r.tools.choice == ToolChoice::required || r.tools.choice == ToolChoice::named;
    if (forced && r.options.grammar) f.fail("tool_choice", "a forced tool call cannot be combined with response_format");
    return r;
}

GenerationRequest parse_openai_completion(const nlohmann::json& body) {
    const Fields f(body, "");
    GenerationRequest r = parse_openai_common(f);
    const nlohmann::json* p = f.find("prompt");
    if (!p) f.fail("prompt", "missing");
    if (p->is_string()) {
        r.prompt = p->get<std::string>();
    } else if (p->is_array() && p->size() == 1 && (*p)[0].is_string()) {
        r.prompt = (*p)[0].get<std::string>();
    } else {
        f.fail("prompt", std::string("expected a string (or a list of one string), got ") + json_type_name(*p));
    }
    refuse(f, "suffix", "suffix (fill-in-the-middle) is not supported");
    if (f.boolean("echo").value_or(false)) f.fail("echo", "echo is not supported");
    if (auto b = f.integer("best_of", 1, 128); b && *b != 1) f.fail("best_of", "only best_of = 1 is supported");
    return r;
}

namespace {

GenerationRequest parse_ollama_common(const Fields& f) {
    GenerationRequest r;
    r.model = f.string("model").value_or("");
    r.stream = f.boolean("stream").value_or(true);  // Ollama streams unless told otherwise
    r.options.grammar = ollama_format(f);
    const std::optional<Fields> o = f.object("options");
    if (!o) {
        r.options.sampling.seed = random_seed();
        return r;
    }
    SamplerOptions& s = r.options.sampling;
    read_common_sampling(*o, s);
    if (auto v = o->integer("top_k", 0, 1 << 30)) s.top_k = static_cast<int32_t>(*v);
    if (auto v = o->number("min_p", 0, 1)) s.min_p = static_cast<float>(*v);
    if (auto v = o->number("repeat_penalty", 0, 10)) {
        if (*v <= 0) o->fail("repeat_penalty", "must be greater than 0");
        s.repeat_penalty = static_cast<float>(*v);
    }
    if (auto v = o->integer("repeat_last_n", -1, 1 << 20)) s.penalty_last_n = static_cast<int32_t>(*v < 0 ? 1 << 20 : *v);
    // -1: no limit, -2: fill the context; both end at the slot's context at the latest.
    if (auto v = o->integer("num_predict", -2, kMaxTokensLimit); v && *v >= 0) r.max_tokens = static_cast<size_t>(*v);
    // The context is fixed per slot by `hearth serve -c`; num_ctx is checked but cannot change it.
    o->integer("num_ctx", 1, kMaxTokensLimit);
    r.options.stop = stop_strings(*o, kMaxStopStrings);
    return r;
}

}  // namespace

GenerationRequest parse_ollama_chat(const nlohmann::json& body) {
    const Fields f(body, "");
    GenerationRequest r = parse_ollama_common(f);
    r.messages = parse_messages(f, false);
    r.tools = parse_tool_request(f, false);
    return r;
}

GenerationRequest parse_ollama_generate(const nlohmann::json& body) {
    const Fields f(body, "");
    GenerationRequest r = parse_ollama_common(f);
    r.prompt = f.string("prompt").value_or("");
    r.system = f.string("system").value_or("");
    r.raw = f.boolean("raw").value_or(false);
    if (const nlohmann::json* tools = f.find("tools"); tools && !tools->empty()) f.fail("tools", "tools need /api/chat");
    refuse(f, "suffix", "suffix (fill-in-the-middle) is not supported");
    refuse(f, "template", "a custom template is not supported (the model's own is used)");
    if (const nlohmann::json* images = f.find("images"); images && !images->empty())
        f.fail("images", "this server runs text-only models");
    if (const nlohmann::json* ctx = f.find("context"); ctx && !ctx->empty())
        f.fail("context", "the deprecated context field is not supported; use /api/chat for conversations");
    return r;
}

}  // namespace hearth::server
