// Error responses and handler guarding shared by the route files (see routes.hpp).
#include <httplib.h>

#include <cstdio>

#include "hearth/error.hpp"
#include "server/response_json.hpp"
#include "server/routes.hpp"
#include "server/served_model.hpp"

namespace hearth::server {

Api api_of_path(std::string_view path) { return path.starts_with("/api/") ? Api::ollama : Api::openai; }

void send_json(httplib::Response& res, const nlohmann::json& body, int status) {
    res.status = status;
    res.set_content(dump(body), "application/json");
}

void send_json(httplib::Response& res, const nlohmann::ordered_json& body, int status) {
    res.status = status;
    res.set_content(dump(body), "application/json");
}

void send_error(httplib::Response& res, Api api, const ApiError& e) {
    send_json(res, api == Api::ollama ? ollama_error_body(e) : openai_error_body(e), e.status);
}

RouteHandler guarded(Api api, RouteHandler handler) {
    return [api, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
        try {
            handler(req, res);
        } catch (const ApiError& e) {
            send_error(res, api, e);
        } catch (const Error& e) {
            if (e.code() == ErrorCode::invalid_argument || e.code() == ErrorCode::context_full) {
                send_error(res, api, ApiError(400, "invalid_request_error", "invalid_value", "", e.what()));
            } else {
                // Library messages name files and fields, never request text.
                std::fprintf(stderr, "[hearth] %s %s: internal error: %s\n", req.method.c_str(), req.path.c_str(), e.what());
                send_error(res, api, ApiError(500, "server_error", "internal_error", "", e.what()));
            }
        } catch (const std::exception& e) {
            std::fprintf(stderr, "[hearth] %s %s: internal error: %s\n", req.method.c_str(), req.path.c_str(), e.what());
            send_error(res, api, ApiError(500, "server_error", "internal_error", "", "internal error"));
        }
    };
}

void check_model(const ServedModel& model, const std::string& requested) {
    if (!model.answers_to(requested))
        throw ApiError(404, "invalid_request_error", "model_not_found", "model",
                       "model '" + requested + "' is not served here (this server runs '" + model.name() + "')");
}

}  // namespace hearth::server
