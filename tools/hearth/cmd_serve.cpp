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

constexpr const char* kUsage =
    "usage: hearth serve [-m] MODEL [--host 127.0.0.1] [--port 8080] [-c CTX] [--parallel N] [--api-key KEY] [-t N]\n"
    "\n"
    "Serves the model over HTTP: the OpenAI API (/v1/chat/completions, /v1/completions, /v1/models),\n"
    "the Ollama API (/api/chat, /api/generate, /api/tags, /api/show, /api/ps, /api/version), a chat\n"
    "page at / and /health. Ctrl-C or SIGTERM stops it (in-flight answers are ended).\n"
    "\n"
    "  --host ADDR              address to listen on (default 127.0.0.1: this machine only)\n"
    "  --port N                 port (default 8080; 0 picks a free one, printed at start-up)\n"
    "  -c, --ctx-size N         context per request slot in tokens, prompt + answer\n"
    "                           (default: min(training context, 4096))\n"
    "  --parallel N             requests decoded together, each with its own slot (default 4)\n"
    "  --queue N                requests waiting for a slot; beyond that 503 (default 16)\n"
    "  --api-key KEY            require 'Authorization: Bearer KEY' on /v1 and /api\n"
    "                           (or set HEARTH_API_KEY, which keeps the key out of the process list)\n"
    "  --max-body BYTES         largest request body accepted (default 8388608 = 8 MiB)\n"
    "  --timeout S              drop a connection whose request stalls or that stops reading\n"
    "                           the answer for S seconds (default 10)\n";

bool is_loopback(const std::string& host) {
    return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

int cmd_serve(std::span<char*> argv) {
    Args args(argv);
    if (args.help()) {
        std::printf("%s%s", kUsage, kModelArgsHelp);
        return 0;
    }
    ModelArgs m = parse_model_args(args);
    server::HttpOptions http;
    server::SchedulerOptions sched;
    http.host = args.value({"--host"}).value_or(http.host);
    if (auto p = args.integer({"--port"}, 0, 65535)) http.port = static_cast<int>(*p);
    if (auto n = args.integer({"--parallel", "-np"}, 1, 256)) sched.n_parallel = static_cast<size_t>(*n);
    sched.queue_capacity = 16;
    if (auto n = args.integer({"--queue"}, 0, 4096)) sched.queue_capacity = static_cast<size_t>(*n);
    if (auto n = args.integer({"--max-body"}, 1024, int64_t{1} << 32)) http.max_body = static_cast<size_t>(*n);
    if (auto n = args.integer({"--timeout"}, 1, 3600)) http.read_timeout_seconds = http.write_timeout_seconds = static_cast<int>(*n);
    if (auto k = args.value({"--api-key"})) http.api_key = *k;
    else if (const char* env = std::getenv("HEARTH_API_KEY")) http.api_key = env;
    const std::vector<std::string> rest = take_positionals(args, m);  // MODEL may come without -m
    if (!rest.empty()) throw UsageError("unexpected argument '" + rest.front() + "'");
    args.finish();
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
