// How each template family writes a tool call, and the grammar that forces one (tool_calls.hpp).
#include <cstdio>

#include "hearth/error.hpp"
#include "server/api_error.hpp"
#include "server/request_parse.hpp"
#include "server/tool_calls.hpp"

namespace hearth::server {

namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kHermesOpen = "<tool_call>\n";
constexpr std::string_view kHermesClose = "\n</tool_call>";

// A copy of schema whose local references ("#/...") point to where it now sits: `at` is the JSON
// pointer of the schema inside the combined one.
OrderedJson relocated(const OrderedJson& schema, const std::string& at) {
    if (schema.is_array()) {
        OrderedJson out = OrderedJson::array();
        for (const OrderedJson& item : schema) out.push_back(relocated(item, at));
        return out;
    }
    if (!schema.is_object()) return schema;
    OrderedJson out = OrderedJson::object();
    for (const auto& [key, value] : schema.items()) {
        if (key == "$ref" && value.is_string() && value.get<std::string>().starts_with("#"))
            out[key] = "#" + at + value.get<std::string>().substr(1);
        else
            out[key] = relocated(value, at);
    }
    return out;
}

// {"name": <the name, fixed>, "<arguments_key>": <parameters>}, nothing else.
OrderedJson call_schema(const OrderedJson& function, const std::string& arguments_key, const std::string& at) {
    return {{"type", "object"},
            {"properties",
             {{"name", {{"const", function["name"]}}},
              {arguments_key, relocated(function["parameters"], at + "/properties/" + arguments_key)}}},
            {"required", {"name", arguments_key}},
            {"additionalProperties", false}};
}

}  // namespace

ToolFormat tool_format(std::string_view template_source) {
    ToolFormat f;
    f.template_has_tools = template_source.find("tools") != std::string_view::npos;
    if (template_source.find("<tool_call>") != std::string_view::npos) {
        f.family = ToolFamily::hermes;
    } else if (f.template_has_tools && template_source.find("<|start_header_id|>") != std::string_view::npos) {
        f.arguments_key = "parameters";  // Llama 3.1-3.3's instructions ask for "parameters"
    }
    return f;
}

Grammar forced_tool_grammar(const ToolFormat& format, const ToolRequest& tools) {
    const std::string key = format.family == ToolFamily::hermes ? "arguments" : format.arguments_key;
    OrderedJson schema;
    std::vector<size_t> offered;  // indexes into tools.tools of the functions allowed
    for (size_t i = 0; i < tools.tools.size(); ++i)
        if (tools.choice != ToolChoice::named || tools.tools[i]["function"]["name"] == tools.forced_name) offered.push_back(i);
    if (offered.size() == 1) {
        schema = call_schema(tools.tools[offered[0]]["function"], key, "");
    } else {
        schema = {{"anyOf", OrderedJson::array()}};
        for (size_t k = 0; k < offered.size(); ++k)
            schema["anyOf"].push_back(call_schema(tools.tools[offered[k]]["function"], key, "/anyOf/" + std::to_string(k)));
    }
    const bool hermes = format.family == ToolFamily::hermes;
    try {
        return Grammar::from_json_schema(schema.dump(), hermes ? kHermesOpen : "", hermes ? kHermesClose : "");
    } catch (const Error& e) {
        if (e.code() != ErrorCode::invalid_argument) throw;
        // Each function's schema converts on its own when the combined one failed: name the culprit.
        for (const size_t i : offered) {
            try {
                Grammar::from_json_schema(tools.tools[i]["function"]["parameters"].dump());
            } catch (const Error& inner) {
                throw_bad_field("tools[" + std::to_string(i) + "].function.parameters", inner.what());
            }
        }
        throw_bad_field("tools", e.what());
    }
}

std::vector<ChatMessage> messages_for_template(const ToolFormat& format, const ToolRequest& tools,
                                               std::vector<ChatMessage> messages) {
    if (format.template_has_tools) return messages;
    for (ChatMessage& m : messages) {
        for (const ChatToolCall& call : m.tool_calls) {
            if (!m.content.empty()) m.content += '\n';
            m.content += OrderedJson{{"name", call.name}, {"arguments", OrderedJson::parse(call.arguments_json)}}.dump();
        }
        m.tool_calls.clear();
    }
    if (!tools.active()) return messages;
    std::string text =
        "You can call these functions. To call one, reply with only a JSON object "
        "{\"name\": <function name>, \"arguments\": <arguments object>}.\n";
    for (const OrderedJson& t : tools.tools) text += "\n" + t["function"].dump();
    if (!messages.empty() && messages[0].role == "system") {
        messages[0].content = text + "\n\n" + messages[0].content;
    } else {
        messages.insert(messages.begin(), ChatMessage{"system", text});
    }
    return messages;
}

std::string new_tool_call_id() {
    char id[40];
    std::snprintf(id, sizeof id, "call_%012llx%012llx", static_cast<unsigned long long>(random_seed() & 0xffffffffffffULL),
                  static_cast<unsigned long long>(random_seed() & 0xffffffffffffULL));
    return id;
}

}  // namespace hearth::server
