// The error bodies of the two APIs (see api_error.hpp).
#include "server/api_error.hpp"

namespace hearth::server {

void throw_bad_field(const std::string& param, const std::string& message) {
    throw ApiError(400, "invalid_request_error", "invalid_value", param, param.empty() ? message : param + ": " + message);
}

ApiError not_found(const std::string& code, const std::string& message) {
    return ApiError(404, "invalid_request_error", code, "", message);
}

ApiError busy_error() {
    return ApiError(503, "server_error", "server_busy", "",
                    "the server is busy: every slot and the queue are taken; retry later");
}

nlohmann::json openai_error_body(const ApiError& e) {
    auto or_null = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
    return {{"error", {{"message", e.what()}, {"type", e.type}, {"param", or_null(e.param)}, {"code", or_null(e.code)}}}};
}

nlohmann::json ollama_error_body(const ApiError& e) { return {{"error", e.what()}}; }

}  // namespace hearth::server
