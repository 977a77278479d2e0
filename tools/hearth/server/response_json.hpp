// The JSON mapping of answers: OpenAI's chat.completion / text_completion objects and their
// streamed chunks, Ollama's chat / generate lines. Pure functions of the generated text and the
// engine's result, so they are unit-tested without a model.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hearth/hearth.hpp"
#include "server/tool_calls.hpp"

namespace hearth::server {

// What every object of one answer repeats.
struct AnswerHeader {
    std::string id;       // "chatcmpl-…" / "cmpl-…"
    int64_t created = 0;  // unix seconds
    std::string model;    // the served model's name
};
AnswerHeader make_header(std::string_view id_prefix, std::string model);

// "stop" (end of generation, a stop string, cancelled) or "length" (max_tokens, full context).
const char* finish_reason(StopReason reason) noexcept;

struct Usage {
    size_t prompt_tokens = 0, completion_tokens = 0;
};
nlohmann::json usage_json(const Usage& u);

// ---- OpenAI ----
nlohmann::json openai_chat_completion(const AnswerHeader& h, std::string_view text, StopReason reason, const Usage& u);
nlohmann::json openai_text_completion(const AnswerHeader& h, std::string_view text, StopReason reason, const Usage& u);
// A streamed chunk; delta_text with first=true also carries role "assistant".
// finish: the last chunk of the choice (empty delta, finish_reason set).
nlohmann::json openai_chat_chunk(const AnswerHeader& h, std::string_view delta_text, bool first,
                                 const StopReason* finish, bool include_usage);
nlohmann::json openai_text_chunk(const AnswerHeader& h, std::string_view text, const StopReason* finish,
                                 bool include_usage);
// The extra chunk before [DONE] when stream_options.include_usage: choices [] and the usage.
nlohmann::json openai_usage_chunk(const AnswerHeader& h, const char* object, const Usage& u);
// "data: {...}\n\n"
std::string sse_event(const nlohmann::json& j);

// ---- Tool calls (response_tool_calls.cpp) ----
// OpenAI's message.tool_calls: [{"id": "call_…", "type": "function", "function": {"name",
// "arguments": JSON text}}], each call with a new id.
nlohmann::json openai_tool_calls(const std::vector<ToolCall>& calls);
// The chat.completion of an answer that called tools: content null unless there was other text,
// finish_reason "tool_calls".
nlohmann::json openai_tool_call_completion(const AnswerHeader& h, const ParsedAnswer& answer, const Usage& u);
// A streamed chunk with every call in delta.tool_calls (each with its "index", as the OpenAI
// clients' stream accumulators expect), and the closing chunk with finish_reason "tool_calls".
nlohmann::json openai_tool_call_chunk(const AnswerHeader& h, const std::vector<ToolCall>& calls, bool first,
                                      bool include_usage);
nlohmann::json openai_tool_call_finish_chunk(const AnswerHeader& h, bool include_usage);
// Ollama's message.tool_calls: [{"function": {"name", "arguments": object}}].
nlohmann::json ollama_tool_calls(const std::vector<ToolCall>& calls);

// ---- Ollama ----
// RFC 3339 UTC with nanoseconds, as Ollama writes created_at.
std::string rfc3339_now();
std::string rfc3339(int64_t unix_seconds);
// A line of an answer in progress: {"model", "created_at", "message": {...}, "done": false} for
// chat, {"model", "created_at", "response", "done": false} for generate.
nlohmann::json ollama_line(const std::string& model, bool chat, std::string_view text);
// The closing line (or the whole answer when not streaming: text is then all of it) with
// done_reason and the counts and durations (nanoseconds) Ollama reports.
// Counts come from u (the server's own), the stop reason and timings from r.
nlohmann::json ollama_final(const std::string& model, bool chat, std::string_view text, const Usage& u,
                            const GenerateResult& r, double total_seconds);
// One NDJSON line: the object and "\n".
std::string ndjson_line(const nlohmann::json& j);

// Serialises without throwing on invalid UTF-8 (replaced by U+FFFD): generated text can end in
// a partial character when a job is cancelled.
std::string dump(const nlohmann::json& j);
std::string dump(const nlohmann::ordered_json& j);

}  // namespace hearth::server
