// Reading tool calls out of generated text (tool_calls.hpp).
#include "server/tool_calls.hpp"

namespace hearth::server {

namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kOpen = "<tool_call>";
constexpr std::string_view kClose = "</tool_call>";
// Llama 3.1 may begin a call with this tag (its template writes it for built-in tools).
constexpr std::string_view kPythonTag = "<|python_tag|>";

std::string_view trimmed(std::string_view s) {
    const size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// {"name": "f", "arguments" | "parameters": {...}} naming an offered tool, else nullopt. Some
// models write the arguments as a JSON string holding the object: accepted too.
std::optional<ToolCall> read_call(std::string_view text, const ToolRequest& tools) {
    const OrderedJson j = OrderedJson::parse(trimmed(text), nullptr, false);
    if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) return std::nullopt;
    const std::string name = j["name"];
    if (!tools.has_tool(name)) return std::nullopt;
    for (const char* key : {"arguments", "parameters"}) {
        if (!j.contains(key)) continue;
        OrderedJson args = j[key];
        if (args.is_string()) args = OrderedJson::parse(args.get<std::string>(), nullptr, false);
        if (!args.is_object()) return std::nullopt;
        return ToolCall{name, std::move(args)};
    }
    return std::nullopt;
}

// Hermes: every <tool_call>...</tool_call> block (the last may lack its closing tag when the
// model stopped right after the JSON).
ParsedAnswer parse_hermes(std::string_view text, const ToolRequest& tools) {
    ParsedAnswer out;
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t open = text.find(kOpen, pos);
        if (open == std::string_view::npos) break;
        const size_t body = open + kOpen.size();
        const size_t close = text.find(kClose, body);
        const size_t end = close == std::string_view::npos ? text.size() : close + kClose.size();
        const std::optional<ToolCall> call = read_call(text.substr(body, (close == std::string_view::npos ? text.size() : close) - body), tools);
        out.content += text.substr(pos, (call ? open : end) - pos);
        if (call) out.calls.push_back(*call);
        pos = end;
    }
    if (pos < text.size()) out.content += text.substr(pos);
    return out;
}

ParsedAnswer parse_json(std::string_view text, const ToolRequest& tools) {
    std::string_view body = trimmed(text);
    if (body.starts_with(kPythonTag)) body.remove_prefix(kPythonTag.size());
    if (const std::optional<ToolCall> call = read_call(body, tools)) return {"", {*call}};
    return {std::string(text), {}};
}

}  // namespace

ParsedAnswer parse_tool_calls(const ToolFormat& format, std::string_view text, const ToolRequest& tools) {
    if (!tools.active()) return {std::string(text), {}};
    ParsedAnswer out = format.family == ToolFamily::hermes ? parse_hermes(text, tools) : parse_json(text, tools);
    if (!out.calls.empty()) out.content = std::string(trimmed(out.content));
    return out;
}

}  // namespace hearth::server
