// `hearth serve`: an OpenAI- and Ollama-compatible HTTP server with a chat page, on the public
// API. Private by default: loopback only, no prompt or answer logged anywhere.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "commands.hpp"
#include "generate_args.hpp"
#include "server/http_server.hpp"
#include "server/scheduler.hpp"
#include "server/served_model.hpp"
#include "server/signal_watcher.hpp"

namespace hearth::cli {

namespace {

constexpr const char* kDescription =
    "Serves the model over HTTP: the OpenAI API (/v1/chat/completions, /v1/completions, /v1/models),\n"
    "the Ollama API (/api/chat, /api/generate, /api/tags, /api/show, /api/ps, /api/version), a chat\n"
    "page at / and /health. Ctrl-C or SIGTERM stops it (in-flight answers are ended). -c is the\n"
    "context of each request slot, prompt + answer.";

bool is_loopback(const std::string& host) {
    return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

int cmd_serve(std::span<char*> argv) {
    CommandLine cli("serve", kDescription);
    ModelArgs m;
    add_model_options(cli, m);
    server::HttpOptions http;
    server::SchedulerOptions sched;
    sched.queue_capacity = 16;
    CLI::App& app = cli.app();
    const char* group = "Server";
    app.add_option("--host", http.host, "address to listen on (127.0.0.1: this machine only)")
        ->type_name("ADDR")->capture_default_str()->group(group);
    app.add_option("--port", http.port, "port (0 picks a free one, printed at start-up)")
        ->type_name("N")->transform(integer_in(0, 65535))->capture_default_str()->group(group);
    app.add_option("--parallel", sched.n_parallel, "requests decoded together, each with its own slot (also -np)")
        ->type_name("N")->transform(integer_in(1, 256))->capture_default_str()->group(group);
    app.add_option("--queue", sched.queue_capacity, "requests waiting for a slot; beyond that 503")
        ->type_name("N")->transform(integer_in(0, 4096))->capture_default_str()->group(group);
    CLI::Option* key = app.add_option("--api-key", http.api_key,
                                      "require 'Authorization: Bearer KEY' on /v1 and /api (or set HEARTH_API_KEY,\n"
                                      "which keeps the key out of the process list)")
                           ->type_name("KEY")->group(group);
    app.add_option("--max-body", http.max_body, "largest request body accepted, in bytes")
        ->type_name("BYTES")->transform(integer_in(1024, int64_t{1} << 32))->capture_default_str()->group(group);
    int timeout = http.read_timeout_seconds;
    app.add_option("--timeout", timeout, "drop a connection whose request stalls or that stops reading the answer\nfor S seconds")
        ->type_name("S")->transform(integer_in(1, 3600))->capture_default_str()->group(group);
    if (!cli.parse(argv)) return 0;
    http.read_timeout_seconds = http.write_timeout_seconds = timeout;
    if (key->count() == 0)
        if (const char* env = std::getenv("HEARTH_API_KEY")) http.api_key = env;
    sched.n_ctx = m.session.n_ctx;
    // Every slot keeps its own KV cache: the fit check counts all of them.
    if (m.session.n_ctx) m.session.n_ctx *= sched.n_parallel;
    // httplib serves a connection per thread, and a kept-alive idle connection holds its thread for
    // up to a second: twice a thread per decoding or waiting request, plus a few for listings,
    // /health and the page, so that a request finds a thread and meets the 503 rule, not a wait.
    http.threads = 2 * (sched.n_parallel + sched.queue_capacity) + 8;

    server::SignalWatcher signals;  // before any thread starts, so all of them block the signals
    ::signal(SIGPIPE, SIG_IGN);     // a client that hangs up is a failed write, not a dead server
    const Model model = load_model(m);
    server::Scheduler scheduler(model, sched);
    const server::ServedModel served(model, m.path, m.name, scheduler.health().n_ctx);
    server::HttpServer server(served, scheduler, http);
    const int port = server.bind();
    signals.on_signal([&] {
        scheduler.stop();  // every answer in flight gets its last update, then the clients their end
        server.stop();
    });

    if (!is_loopback(http.host)) {
        std::fprintf(stderr, "[hearth] warning: listening on %s makes the model reachable from other machines%s\n",
                     http.host.c_str(), http.api_key.empty() ? "; consider --api-key (or HEARTH_API_KEY)" : "");
    }
    const server::SchedulerHealth h = scheduler.health();
    std::fprintf(stderr, "[hearth] serving %s (%s, %zu slots x %zu tokens, queue %zu%s)\n", served.name().c_str(),
                 served.has_template() ? "chat template" : "no chat template: plain-text chat", h.slots_idle + h.slots_busy,
                 h.n_ctx, h.queue_capacity, http.api_key.empty() ? "" : ", API key required");
    const std::string shown_host = http.host.find(':') != std::string::npos ? "[" + http.host + "]" : http.host;  // IPv6
    std::fprintf(stderr, "[hearth] listening on http://%s:%d/\n", shown_host.c_str(), port);
    std::fflush(stderr);
    server.run();
    scheduler.stop();
    std::fprintf(stderr, "[hearth] stopped\n");
    return 0;
}

}  // namespace hearth::cli
