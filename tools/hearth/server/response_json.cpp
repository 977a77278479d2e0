// Answer objects of the OpenAI and Ollama APIs (see response_json.hpp). Field names and shapes
// follow OpenAI's API reference and Ollama's docs/api.md.
#include "server/response_json.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "server/request_parse.hpp"

namespace hearth::server {

using nlohmann::json;

AnswerHeader make_header(std::string_view id_prefix, std::string model) {
    char id[40];
    std::snprintf(id, sizeof id, "%.*s-%016llx", static_cast<int>(id_prefix.size()), id_prefix.data(),
                  static_cast<unsigned long long>(random_seed()));
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return {id, std::chrono::duration_cast<std::chrono::seconds>(now).count(), std::move(model)};
}

const char* finish_reason(StopReason reason) noexcept {
    switch (reason) {
        case StopReason::max_tokens:
        case StopReason::context_full: return "length";
        case StopReason::end_of_generation:
        case StopReason::stop_string:
        case StopReason::callback: break;
    }
    return "stop";
}

json usage_json(const Usage& u) {
    return {{"prompt_tokens", u.prompt_tokens},
            {"completion_tokens", u.completion_tokens},
            {"total_tokens", u.prompt_tokens + u.completion_tokens}};
}

namespace {

json base(const AnswerHeader& h, const char* object) {
    return {{"id", h.id}, {"object", object}, {"created", h.created}, {"model", h.model}, {"system_fingerprint", "hearth"}};
}

}  // namespace

json openai_chat_completion(const AnswerHeader& h, std::string_view text, StopReason reason, const Usage& u) {
    json j = base(h, "chat.completion");
    j["choices"] = json::array({{{"index", 0},
                                 {"message", {{"role", "assistant"}, {"content", text}}},
                                 {"logprobs", nullptr},
                                 {"finish_reason", finish_reason(reason)}}});
    j["usage"] = usage_json(u);
    return j;
}

json openai_text_completion(const AnswerHeader& h, std::string_view text, StopReason reason, const Usage& u) {
    json j = base(h, "text_completion");
    j["choices"] = json::array({{{"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", finish_reason(reason)}}});
    j["usage"] = usage_json(u);
    return j;
}

json openai_chat_chunk(const AnswerHeader& h, std::string_view delta_text, bool first, const StopReason* finish,
                       bool include_usage) {
    json j = base(h, "chat.completion.chunk");
    json delta = json::object();
    if (first) delta["role"] = "assistant";
    if (!finish) delta["content"] = delta_text;
    j["choices"] = json::array({{{"index", 0},
                                 {"delta", delta},
                                 {"logprobs", nullptr},
                                 {"finish_reason", finish ? json(finish_reason(*finish)) : json(nullptr)}}});
    if (include_usage) j["usage"] = nullptr;  // OpenAI: null on every chunk but the usage chunk
    return j;
}

json openai_text_chunk(const AnswerHeader& h, std::string_view text, const StopReason* finish, bool include_usage) {
    json j = base(h, "text_completion");
    j["choices"] = json::array({{{"index", 0},
                                 {"text", text},
                                 {"logprobs", nullptr},
                                 {"finish_reason", finish ? json(finish_reason(*finish)) : json(nullptr)}}});
    if (include_usage) j["usage"] = nullptr;
    return j;
}

json openai_usage_chunk(const AnswerHeader& h, const char* object, const Usage& u) {
    json j = base(h, object);
    j["choices"] = json::array();
    j["usage"] = usage_json(u);
    return j;
}

std::string sse_event(const json& j) { return "data: " + dump(j) + "\n\n"; }

std::string rfc3339(int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string rfc3339_now() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
    std::string s = rfc3339(ns / 1000000000);
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09lldZ", static_cast<long long>(ns % 1000000000));
    s.pop_back();  // the 'Z', which comes after the fraction
    return s + frac;
}

json ollama_line(const std::string& model, bool chat, std::string_view text) {
    json j = {{"model", model}, {"created_at", rfc3339_now()}};
    if (chat) j["message"] = {{"role", "assistant"}, {"content", text}};
    else j["response"] = text;
    j["done"] = false;
    return j;
}

json ollama_final(const std::string& model, bool chat, std::string_view text, const Usage& u, const GenerateResult& r,
                  double total_seconds) {
    json j = ollama_line(model, chat, text);
    auto ns = [](double s) { return static_cast<int64_t>(s * 1e9); };
    j["done"] = true;
    j["done_reason"] = finish_reason(r.stop_reason);
    j["total_duration"] = ns(total_seconds);
    j["load_duration"] = 0;  // the model is loaded once at start-up
    j["prompt_eval_count"] = u.prompt_tokens;
    j["prompt_eval_duration"] = ns(r.prompt_seconds);
    j["eval_count"] = u.completion_tokens;
    j["eval_duration"] = ns(r.generate_seconds);
    return j;
}

std::string ndjson_line(const json& j) { return dump(j) + "\n"; }

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }
std::string dump(const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace hearth::server
