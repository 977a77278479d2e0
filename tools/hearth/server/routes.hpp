// What the route files share: the server context, the error-to-response mapping in the shape
// of each API, and the route registration functions (one file per API).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "server/api_error.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace hearth::server {

class Embedder;
class Scheduler;
class ServedModel;

struct ServerContext {
    const ServedModel& model;
    Scheduler& scheduler;
    Embedder& embedder;
    std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
};

// Which error shape a path's clients parse: OpenAI's error object under /v1/, Ollama's
// {"error": "..."} under /api/, OpenAI's elsewhere.
enum class Api { openai, ollama };
Api api_of_path(std::string_view path);

void send_json(httplib::Response& res, const nlohmann::json& body, int status = 200);
void send_json(httplib::Response& res, const nlohmann::ordered_json& body, int status = 200);
void send_error(httplib::Response& res, Api api, const ApiError& e);

using RouteHandler = std::function<void(const httplib::Request&, httplib::Response&)>;
// The handler with every exception turned into the API's error response: ApiError as it says,
// hearth::Error(invalid_argument) as 400, anything else as 500 (logged without request data).
RouteHandler guarded(Api api, RouteHandler handler);

// 404 model_not_found unless the served model answers to `requested`.
void check_model(const ServedModel& model, const std::string& requested);

void add_openai_routes(httplib::Server& svr, const ServerContext& ctx);
void add_ollama_routes(httplib::Server& svr, const ServerContext& ctx);
// POST /v1/embeddings, /api/embed and /api/embeddings.
void add_embedding_routes(httplib::Server& svr, const ServerContext& ctx);
// GET / (the chat page), GET /health.
void add_page_routes(httplib::Server& svr, const ServerContext& ctx);

}  // namespace hearth::server
