// The embeddings endpoints of both APIs: OpenAI's POST /v1/embeddings, Ollama's POST /api/embed
// and its older POST /api/embeddings. The vectors come from the Embedder (embedder.hpp).
#include <httplib.h>

#include "server/access_log.hpp"
#include "server/embedder.hpp"
#include "server/embedding_request.hpp"
#include "server/embedding_response.hpp"
#include "server/request_fields.hpp"
#include "server/response_json.hpp"
#include "server/routes.hpp"
#include "server/served_model.hpp"

namespace hearth::server {

namespace {

using Parse = EmbeddingRequest (*)(const nlohmann::json& body, const ServedModel& model);

// The request parsed, its model checked, its vectors computed and its tokens logged.
struct Embedded {
    EmbeddingRequest request;
    std::vector<std::vector<float>> vectors;
};

Embedded embed(const ServerContext& ctx, const httplib::Request& req, Parse parse) {
    Embedded e{parse(parse_json_object(req.body), ctx.model), {}};
    check_model(ctx.model, e.request.model);
    RequestLog& log = current_request_log();
    log.generated = true;
    log.prompt_tokens = e.request.tokens();
    e.vectors = ctx.embedder.embed(e.request.inputs, e.request.options);
    return e;
}

}  // namespace

void add_embedding_routes(httplib::Server& svr, const ServerContext& ctx) {
    const ServerContext* c = &ctx;
    svr.Post("/v1/embeddings", guarded(Api::openai, [c](const httplib::Request& req, httplib::Response& res) {
        const Embedded e = embed(*c, req, parse_openai_embeddings);
        send_json(res, openai_embeddings(e.vectors, e.request.base64, c->model.name(), e.request.tokens()));
    }));
    svr.Post("/api/embed", guarded(Api::ollama, [c](const httplib::Request& req, httplib::Response& res) {
        const Embedded e = embed(*c, req, parse_ollama_embed);
        const std::string name = e.request.model.empty() ? c->model.name() + ":latest" : e.request.model;
        send_json(res, ollama_embed(e.vectors, name, e.request.tokens(), request_seconds()));
    }));
    svr.Post("/api/embeddings", guarded(Api::ollama, [c](const httplib::Request& req, httplib::Response& res) {
        const Embedded e = embed(*c, req, parse_ollama_embeddings);
        send_json(res, nlohmann::json{{"embedding", e.vectors.front()}});
    }));
}

}  // namespace hearth::server
