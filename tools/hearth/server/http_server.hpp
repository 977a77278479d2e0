// The HTTP server of `hearth serve`: cpp-httplib with the routes of both APIs and the chat page,
// API-key check, body cap, timeouts and the access log. Knows nothing about decoding: requests
// become jobs on the Scheduler.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace hearth::server {

class Scheduler;
class ServedModel;

struct HttpOptions {
    std::string host = "127.0.0.1";
    int port = 8080;                   // 0: any free port (bind() tells which)
    std::string api_key;               // empty: no key needed
    size_t max_body = size_t{8} << 20; // bytes; larger bodies get 413
    size_t threads = 16;               // connections served at once (each streamed answer holds one)
    int read_timeout_seconds = 10;     // a request whose bytes stop arriving this long is dropped
    int write_timeout_seconds = 10;    // a client that stops reading this long is dropped (job cancelled)
};

class HttpServer {
public:
    HttpServer(const ServedModel& model, Scheduler& scheduler, const HttpOptions& options);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds the socket; returns the port. Throws Error(io) naming host and port when it cannot.
    int bind();
    // Serves until stop(); returns when every connection's thread has finished.
    void run();
    // Stops accepting and ends the connections (thread-safe, idempotent).
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::server
