// cpp-httplib set-up for `hearth serve` (see http_server.hpp).
#include "server/http_server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>

#include "hearth/error.hpp"
#include "server/access_log.hpp"
#include "server/embedder.hpp"
#include "server/served_model.hpp"
#include "server/routes.hpp"

namespace hearth::server {

namespace {

// Constant-time comparison: the time a wrong key takes to refuse must not reveal its prefix.
bool same_key(std::string_view given, std::string_view key) {
    if (given.size() != key.size()) return false;  // the length is not the secret
    unsigned char diff = 0;
    for (size_t i = 0; i < key.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ key[i]);
    return diff == 0;
}

// The page and the health check stay open so a browser can load the page and ask for the key.
bool needs_key(std::string_view path) { return path != "/" && path != "/health"; }

std::string presented_key(const httplib::Request& req) {
    const std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Bearer ", 0) == 0) return auth.substr(7);
    return req.get_header_value("X-API-Key");
}

// Bodies for errors httplib produces itself (unknown route, body too large, unparsable request).
ApiError error_for_status(int status, const httplib::Request& req) {
    switch (status) {
        case 404: return not_found("route_not_found", "no route " + req.method + " " + req.path);
        case 405: return ApiError(405, "invalid_request_error", "method_not_allowed", "", "method not allowed");
        case 413: return ApiError(413, "invalid_request_error", "request_too_large", "", "the request body is larger than the server accepts (--max-body)");
        case 414: return ApiError(414, "invalid_request_error", "uri_too_long", "", "the request URI is too long");
        default: break;
    }
    if (status >= 500) return ApiError(status, "server_error", "internal_error", "", "internal error");
    return ApiError(status, "invalid_request_error", "bad_request", "", "malformed HTTP request");
}

}  // namespace

struct HttpServer::Impl {
    Impl(const ServedModel& model, Scheduler& scheduler, const HttpOptions& o)
        : embedder(model.model(), model.n_ctx()), ctx{model, scheduler, embedder}, options(o) {}
    Embedder embedder;  // before ctx, which refers to it
    ServerContext ctx;
    HttpOptions options;
    httplib::Server svr;
    std::atomic<int> socket{-1};  // the last socket httplib set up to listen on
};

HttpServer::HttpServer(const ServedModel& model, Scheduler& scheduler, const HttpOptions& options)
    : impl_(std::make_unique<Impl>(model, scheduler, options)) {
    httplib::Server& svr = impl_->svr;
    const size_t threads = options.threads;
    // httplib's interface takes ownership of a raw TaskQueue pointer.
    svr.new_task_queue = [threads] { return std::make_unique<httplib::ThreadPool>(threads).release(); };
    svr.set_payload_max_length(options.max_body);
    svr.set_read_timeout(options.read_timeout_seconds, 0);
    svr.set_write_timeout(options.write_timeout_seconds, 0);
    // Short keep-alive: an idle connection holds a thread, and a stop waits for it.
    svr.set_keep_alive_timeout(1);
    svr.set_tcp_nodelay(true);  // streamed tokens leave at once
    // httplib's own options, plus a note of the socket: bind() deepens its accept queue.
    svr.set_socket_options([impl = impl_.get()](socket_t sock) {
        httplib::default_socket_options(sock);
        impl->socket = sock;
    });

    const std::string key = options.api_key;
    svr.set_pre_routing_handler([key](const httplib::Request& req, httplib::Response& res) {
        begin_request_log();
        if (!key.empty() && needs_key(req.path) && !same_key(presented_key(req), key)) {
            send_error(res, api_of_path(req.path),
                       ApiError(401, "invalid_request_error", "invalid_api_key", "",
                                "missing or wrong API key (send the header Authorization: Bearer KEY)"));
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    svr.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // a route's own error
            send_error(res, api_of_path(req.path), error_for_status(res.status, req));
            return httplib::Server::HandlerResponse::Handled;
        }));
    svr.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
        send_error(res, api_of_path(req.path), ApiError(500, "server_error", "internal_error", "", "internal error"));
    });
    svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        write_access_log(req.method, req.path, res.status);
    });
    add_openai_routes(svr, impl_->ctx);
    add_ollama_routes(svr, impl_->ctx);
    add_embedding_routes(svr, impl_->ctx);
    add_page_routes(svr, impl_->ctx);
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::bind() {
    httplib::Server& svr = impl_->svr;
    const HttpOptions& o = impl_->options;
    const int port = o.port == 0 ? svr.bind_to_any_port(o.host) : (svr.bind_to_port(o.host, o.port) ? o.port : -1);
    if (port <= 0)
        throw Error(ErrorCode::io, "cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                       " (address in use, not an address of this machine, or a privileged port)");
    // httplib listens with a backlog of 5: 16 clients connecting at once overflowed it, and each
    // dropped handshake cost its client a 1 s SYN retransmit (p95 time to first token ~1 s in the
    // load test, TcpExtListenOverflows counting). Linux lets listen() deepen a listening socket's queue.
    ::listen(impl_->socket, SOMAXCONN);
    return port;
}

void HttpServer::run() { impl_->svr.listen_after_bind(); }

void HttpServer::stop() { impl_->svr.stop(); }

}  // namespace hearth::server
