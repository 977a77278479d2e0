// `tools` and `tool_choice` of a request (tool_calls.hpp). Shapes follow OpenAI's API reference;
// Ollama's /api/chat takes the same `tools` list and has no tool_choice.
#include <algorithm>
#include <set>

#include "server/request_fields.hpp"
#include "server/tool_calls.hpp"

namespace hearth::server {

namespace {

using OrderedJson = nlohmann::ordered_json;

// OpenAI's rule for function names: a-z, A-Z, 0-9, underscores and dashes, at most 64.
bool valid_function_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// The {"type": "function", "function": {"name": ...}} shape that tools and tool_choice share:
// checked, and the inner object returned (its name is there).
Fields function_object(const Fields& f, const std::string& missing_function) {
    const std::string type = f.string("type").value_or("");
    if (type != "function") f.fail("type", "expected \"function\", got '" + type + "'");
    const std::optional<Fields> function = f.object("function");
    if (!function) f.fail("function", missing_function);
    if (!function->string("name")) function->fail("name", "missing");
    return *function;
}

// One entry of `tools`, rebuilt in OpenAI's key order (templates print tools with tojson, so the
// order is what the model reads).
OrderedJson parse_tool(const Fields& tool) {
    const Fields function = function_object(tool, "missing");
    const std::string name = *function.string("name");
    if (!valid_function_name(name))
        function.fail("name", "'" + name + "' is not a function name (a-z, A-Z, 0-9, _ and -, at most 64)");
    OrderedJson f = {{"name", name}};
    if (auto description = function.string("description")) f["description"] = *description;
    if (const nlohmann::json* parameters = function.find("parameters")) {
        if (!parameters->is_object())
            function.fail("parameters", std::string("expected a JSON Schema object, got ") + json_type_name(*parameters));
        f["parameters"] = *parameters;
    } else {
        f["parameters"] = {{"type", "object"}, {"properties", OrderedJson::object()}};  // OpenAI: no arguments
    }
    function.boolean("strict");  // type-checked; the arguments always follow the schema when forced
    return {{"type", "function"}, {"function", f}};
}

void parse_tool_choice(const Fields& body, ToolRequest& r) {
    const nlohmann::json* choice = body.find("tool_choice");
    if (!choice) return;
    if (choice->is_string()) {
        const std::string c = choice->get<std::string>();
        if (c == "none") r.choice = ToolChoice::none;
        else if (c == "auto") r.choice = ToolChoice::automatic;
        else if (c == "required") r.choice = ToolChoice::required;
        else body.fail("tool_choice", "expected \"none\", \"auto\", \"required\" or a function, got '" + c + "'");
    } else if (choice->is_object()) {
        const Fields function = function_object(Fields(*choice, body.name("tool_choice")), "missing (it names the function to call)");
        const std::string name = *function.string("name");
        if (!r.has_tool(name)) function.fail("name", "no tool named '" + name + "' is in tools");
        r.choice = ToolChoice::named;
        r.forced_name = name;
    } else {
        body.fail("tool_choice", std::string("expected a string or an object, got ") + json_type_name(*choice));
    }
    if (r.choice == ToolChoice::required && r.tools.empty()) body.fail("tool_choice", "\"required\" needs tools");
    if (r.tools.empty()) r.choice = ToolChoice::none;  // "auto" with nothing to call
}

}  // namespace

bool ToolRequest::has_tool(std::string_view name) const {
    return std::any_of(tools.begin(), tools.end(), [&](const OrderedJson& t) { return t["function"]["name"] == name; });
}

ToolRequest parse_tool_request(const Fields& body, bool openai) {
    ToolRequest r;
    if (const nlohmann::json* tools = body.find("tools")) {
        if (!tools->is_array()) body.fail("tools", std::string("expected a list of tools, got ") + json_type_name(*tools));
        std::set<std::string> names;
        for (size_t i = 0; i < tools->size(); ++i) {
            const Fields tool((*tools)[i], body.name("tools") + "[" + std::to_string(i) + "]");
            OrderedJson t = parse_tool(tool);
            const std::string name = t["function"]["name"];
            if (!names.insert(name).second) tool.fail("function", "another tool is also named '" + name + "'");
            r.tools.push_back(std::move(t));
        }
    }
    if (!r.tools.empty()) r.choice = ToolChoice::automatic;
    if (!openai) return r;
    parse_tool_choice(body, r);
    body.boolean("parallel_tool_calls");  // type-checked; several calls are returned when the model writes them
    return r;
}

}  // namespace hearth::server
