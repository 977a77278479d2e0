// Tool calls in OpenAI's and Ollama's answer objects (response_json.hpp). The objects are the
// plain chat answers with the calls added, so the two shapes cannot drift apart.
#include "server/response_json.hpp"

namespace hearth::server {

using nlohmann::json;

json openai_tool_calls(const std::vector<ToolCall>& calls) {
    json out = json::array();
    for (const ToolCall& c : calls)
        out.push_back({{"id", new_tool_call_id()},
                       {"type", "function"},
                       {"function", {{"name", c.name}, {"arguments", c.arguments.dump()}}}});
    return out;
}

json openai_tool_call_completion(const AnswerHeader& h, const ParsedAnswer& answer, const Usage& u) {
    json j = openai_chat_completion(h, answer.content, StopReason::end_of_generation, u);
    json& choice = j["choices"][0];
    if (answer.content.empty()) choice["message"]["content"] = nullptr;
    choice["message"]["tool_calls"] = openai_tool_calls(answer.calls);
    choice["finish_reason"] = "tool_calls";
    return j;
}

json openai_tool_call_chunk(const AnswerHeader& h, const std::vector<ToolCall>& calls, bool first, bool include_usage) {
    json j = openai_chat_chunk(h, "", first, nullptr, include_usage);
    json& delta = j["choices"][0]["delta"];
    delta.erase("content");
    delta["tool_calls"] = openai_tool_calls(calls);
    for (size_t i = 0; i < calls.size(); ++i) delta["tool_calls"][i]["index"] = i;
    return j;
}

json openai_tool_call_finish_chunk(const AnswerHeader& h, bool include_usage) {
    const StopReason eog = StopReason::end_of_generation;
    json j = openai_chat_chunk(h, "", false, &eog, include_usage);
    j["choices"][0]["finish_reason"] = "tool_calls";
    return j;
}

json ollama_tool_calls(const std::vector<ToolCall>& calls) {
    json out = json::array();
    for (const ToolCall& c : calls) out.push_back({{"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    return out;
}

}  // namespace hearth::server
