// Tool (function) calling: the tools a request offers, how the model's chat template family
// writes a call, reading calls back out of generated text, and the grammar that forces one.
//
// Two output families, told apart by the template text (never by the file name):
//   hermes      Qwen 2.5 / Qwen 3 and other Hermes-style templates (they mention <tool_call>):
//               <tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>, possibly several;
//   json        Llama 3.x (`{"name": "f", "parameters": {...}}`, "arguments" accepted too) and
//               templates with no tool section, which get the tools in a system message.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hearth/chat_template.hpp"
#include "hearth/grammar.hpp"

namespace hearth::server {

class Fields;

// OpenAI's tool_choice ("auto" when absent and tools are given; Ollama always "auto").
enum class ToolChoice { none, automatic, required, named };

struct ToolRequest {
    // The offered tools in OpenAI's shape, validated and key-ordered as OpenAI documents them:
    // [{"type": "function", "function": {"name", "description"?, "parameters"}}].
    nlohmann::ordered_json tools = nlohmann::ordered_json::array();
    ToolChoice choice = ToolChoice::none;
    std::string forced_name;  // ToolChoice::named: the function

    // Whether the model sees the tools (and its output is read for calls).
    bool active() const noexcept { return choice != ToolChoice::none; }
    bool has_tool(std::string_view name) const;
};

// `tools` and `tool_choice` of a request body (Ollama's has no tool_choice). 400 naming the
// field for a malformed tool, a duplicate name, a tool_choice naming no offered tool, or
// tool_choice "required"/named without tools.
ToolRequest parse_tool_request(const Fields& body, bool openai);

enum class ToolFamily { hermes, json };

struct ToolFormat {
    ToolFamily family = ToolFamily::json;
    // json family: the key the template's instructions use for the arguments.
    std::string arguments_key = "arguments";
    // Whether the template renders `tools` itself; if not, hearth describes them (messages_for_template).
    bool template_has_tools = false;
};
ToolFormat tool_format(std::string_view template_source);

// A call read from generated text.
struct ToolCall {
    std::string name;
    nlohmann::ordered_json arguments;  // a JSON object
};
struct ParsedAnswer {
    std::string content;          // the text that is not a call (trimmed when calls were found)
    std::vector<ToolCall> calls;  // in the order written
};
// Reads the calls of `format` out of text. Only well-formed calls of offered tools count; any
// other text (a malformed call included) stays content.
ParsedAnswer parse_tool_calls(const ToolFormat& format, std::string_view text, const ToolRequest& tools);

// The grammar of one call for ToolChoice::required (any offered tool) or named (that one): the
// family's wrapper with the name as a literal and the arguments following the function's
// `parameters` schema. 400 naming tools[i].function.parameters when a schema cannot be honoured.
Grammar forced_tool_grammar(const ToolFormat& format, const ToolRequest& tools);

// The conversation as the template should see it: unchanged when the template renders tools;
// otherwise with a system message describing the tools and the JSON reply format, and earlier
// calls written out as that JSON (such templates only print role and content).
std::vector<ChatMessage> messages_for_template(const ToolFormat& format, const ToolRequest& tools,
                                               std::vector<ChatMessage> messages);

// "call_" and 24 random hex digits: OpenAI's tool call id shape, unique per call.
std::string new_tool_call_id();

}  // namespace hearth::server
