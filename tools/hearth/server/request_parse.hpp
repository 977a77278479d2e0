// The JSON mapping of requests: OpenAI's chat/completions and completions bodies and Ollama's
// chat and generate bodies become one GenerationRequest. Every field the server acts on is
// type- and range-checked (400 naming the field); fields that would change the answer in a way
// hearth cannot honour (n > 1, images, ...) are refused, not silently ignored;
// other unknown fields are ignored, as clients send many optional ones.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hearth/chat_template.hpp"
#include "hearth/hearth.hpp"
#include "server/tool_calls.hpp"

namespace hearth::server {

struct GenerationRequest {
    std::string model;                   // as the client named it ("" when absent)
    std::vector<ChatMessage> messages;   // chat endpoints
    ToolRequest tools;                   // chat endpoints: offered tools and tool_choice
    std::string prompt;                  // completion endpoints: the text to continue
    std::string system;                  // Ollama generate: system message for the template
    bool raw = false;                    // Ollama generate: prompt used as is, no template
    bool stream = false;
    bool include_usage = false;          // OpenAI stream_options.include_usage
    std::optional<size_t> max_tokens;    // nullopt: until the end of generation or a full context
    GenerateOptions options;             // sampling and stop strings (max_tokens set at submit)
};

GenerationRequest parse_openai_chat(const nlohmann::json& body);
GenerationRequest parse_openai_completion(const nlohmann::json& body);
GenerationRequest parse_ollama_chat(const nlohmann::json& body);
GenerationRequest parse_ollama_generate(const nlohmann::json& body);

// A seed for requests that give none, so two identical requests may differ (as with OpenAI).
uint64_t random_seed();

}  // namespace hearth::server
