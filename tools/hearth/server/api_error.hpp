// Errors the HTTP layer answers with: an HTTP status plus OpenAI's error-object fields, thrown by
// request parsing and routes and turned into a response in one place (http_server.cpp).
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace hearth::server {

struct ApiError : std::runtime_error {
    ApiError(int status, std::string type, std::string code, std::string param, const std::string& message)
        : std::runtime_error(message), status(status), type(std::move(type)), code(std::move(code)),
          param(std::move(param)) {}
    int status;        // 400, 401, 404, 413, 500, 503
    std::string type;  // OpenAI's error.type: "invalid_request_error", "server_error", ...
    std::string code;  // OpenAI's error.code (may be empty: null)
    std::string param; // the offending request field, e.g. "messages[1].role" (may be empty: null)
};

// 400 naming the field: "temperature: expected a number, got string".
[[noreturn]] void throw_bad_field(const std::string& param, const std::string& message);
ApiError not_found(const std::string& code, const std::string& message);
ApiError busy_error();  // 503: every slot and the queue are taken

// {"error": {"message", "type", "param", "code"}}: what OpenAI's clients parse.
nlohmann::json openai_error_body(const ApiError& e);
// {"error": "message"}: what Ollama's clients parse.
nlohmann::json ollama_error_body(const ApiError& e);

}  // namespace hearth::server
