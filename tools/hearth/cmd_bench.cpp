// `hearth bench`: prompt-processing and generation speed, like llama-bench (pp512 / tg128), with
// min/median/max over repetitions and the decode speed compared with the memory-bandwidth bound.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_app.hpp"
#include "bench_parallel.hpp"
#include "commands.hpp"
#include "model_summary.hpp"
#include "generate_args.hpp"
#include "hearth/bandwidth.hpp"
#include "hearth/hearth.hpp"
#include "hearth/version.hpp"

namespace hearth::cli {
namespace {

constexpr const char* kDescription =
    "pp<P>: evaluate a P-token prompt in one batch; tg<N>: generate N tokens one at a time from an\n"
    "empty context (as llama-bench does). Each test runs once to warm up, then -r times; the table\n"
    "shows tokens/s as median (min..max). Generation is also compared with the bound set by memory\n"
    "bandwidth (measured here) divided by the weight bytes read per token. Weights are placed as\n"
    "`run` places them (the placement, its reason and the load time are printed).";

struct Stats {
    double min, median, max;
};
Stats summarize(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return {v.front(), v[v.size() / 2], v.back()};
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Deterministic, valid, non-special token ids (the speed does not depend on which).
std::vector<TokenId> bench_tokens(size_t n, size_t n_vocab) {
    std::vector<TokenId> t(n);
    uint64_t x = 12345;
    for (size_t i = 0; i < n; ++i) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        t[i] = static_cast<TokenId>(256 + (x >> 33) % (n_vocab > 512 ? n_vocab - 512 : 1));
    }
    return t;
}

struct Result {
    size_t threads;
    std::string test;
    std::vector<double> tps;
    size_t streams = 0;  // --parallel tests: aggregate t/s of that many streams decoding together
};

// Each --parallel result against the single-session tg result of the same thread count.
void print_parallel_speedups(const std::vector<Result>& results) {
    const char* gap = "\n";
    for (const Result& p : results) {
        if (p.streams == 0) continue;
        for (const Result& one : results)
            if (one.threads == p.threads && one.streams == 0 && one.test[0] == 't') {
                const double all = summarize(p.tps).median;
                std::printf("%s%zu thread(s), %zu streams: %.2f t/s in all = %.2fx one session's %s, %.2f t/s each\n", gap,
                            p.threads, p.streams, all, all / summarize(one.tps).median, one.test.c_str(), all / double(p.streams));
                gap = "";
            }
    }
}

}  // namespace

int cmd_bench(std::span<char*> argv) {
    CommandLine cli("bench", kDescription);
    cli.add_model("GGUF file, or a model name from `hearth list`");
    CLI::App& app = cli.app();
    size_t n_prompt = 512, n_gen = 128, reps = 3;
    std::vector<size_t> threads = {std::max(1u, std::thread::hardware_concurrency())};
    std::vector<size_t> streams;
    bool json = false, no_bandwidth = false;
    WeightStorage storage = WeightStorage::automatic;
    app.add_option("-p,--n-prompt", n_prompt, "prompt length of the pp test, 0 = none")
        ->type_name("P")->transform(integer_in(0, 65536))->capture_default_str();
    app.add_option("-n,--n-gen", n_gen, "tokens of the tg test, 0 = none")
        ->type_name("N")->transform(integer_in(0, 65536))->capture_default_str();
    app.add_option("-t,--threads", threads, "thread counts to measure, e.g. 1,2 (default: all cores, as `run` uses)")
        ->type_name("N,..")->delimiter(',')->transform(integer_in(1, 1024))
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("-r,--repetitions", reps, "timed runs of each test")
        ->type_name("R")->transform(integer_in(1, 1000))->capture_default_str();
    app.add_option("--parallel", streams,
                   "tg<N>xS: S streams decode N tokens each together, one batched forward pass per step\n"
                   "(as `hearth serve --parallel S`); t/s is the aggregate of all streams")
        ->type_name("S,..")->delimiter(',')->transform(integer_in(1, 256))
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_flag("--json", json, "one JSON object for machines");
    app.add_flag("--no-bandwidth", no_bandwidth, "skip measuring the memory bandwidth");
    add_weight_storage(cli, storage);
    if (!cli.parse(argv)) return 0;
    if (!streams.empty() && n_gen == 0) throw UsageError("--parallel needs -n > 0");
    const bool bandwidth = !no_bandwidth;
    const std::string model_path = resolve_model_arg(cli.model());

    std::vector<Result> results;
    std::vector<double> bandwidths;  // bytes/s per thread count
    std::vector<double> load_seconds;  // Model::load per thread count (the first may read the disk)
    std::string placement;           // where the weights were put, and why
    uint64_t weight_bytes = 0, bytes_per_token = 0, params = 0;
    std::string arch;
    for (size_t t : threads) {
        const auto load_start = std::chrono::steady_clock::now();
        Model model = Model::load(model_path, {.threads = t, .weights = storage});
        load_seconds.push_back(seconds_since(load_start));
        const MemoryReport placed = model.memory_report();
        placement = std::string(to_string(placed.weights_storage)) + " (" + placed.weights_storage_reason + ")";
        const ModelConfig& c = model.config();
        arch = c.arch;
        weight_bytes = params = 0;
        for (const gguf::TensorInfo& ti : model.file().tensors()) {
            weight_bytes += ti.n_bytes;
            params += ti.n_elements;
        }
        // Decoding reads every matrix once per token, but only one row of the embedding table
        // unless the table is also the output matrix, and only the experts a token uses.
        bytes_per_token = placed.weights_read_per_token;
        Session session(model, {.n_ctx = std::max<size_t>(n_prompt + n_gen, 16), .n_batch = std::max<size_t>(n_prompt, 1)});
        auto prompt = bench_tokens(n_prompt, c.n_vocab);
        auto gen = bench_tokens(n_gen, c.n_vocab);
        if (n_prompt > 0) {
            Result r{t, "pp" + std::to_string(n_prompt), {}};
            for (size_t rep = 0; rep <= reps; ++rep) {  // rep 0 warms up
                session.reset();
                auto t0 = std::chrono::steady_clock::now();
                session.eval(prompt);
                if (rep > 0) r.tps.push_back(double(n_prompt) / seconds_since(t0));
            }
            results.push_back(r);
        }
        if (n_gen > 0) {
            Result r{t, "tg" + std::to_string(n_gen), {}};
            for (size_t rep = 0; rep <= reps; ++rep) {
                session.reset();
                auto t0 = std::chrono::steady_clock::now();
                for (TokenId id : gen) session.eval(std::span(&id, 1));
                if (rep > 0) r.tps.push_back(double(n_gen) / seconds_since(t0));
            }
            results.push_back(r);
        }
        for (size_t s : streams)
            results.push_back({t, "tg" + std::to_string(n_gen) + "x" + std::to_string(s), bench_parallel_decode(model, s, gen, reps), s});
        if (bandwidth) bandwidths.push_back(measure_read_bandwidth(t));
    }

    const std::string isa = build_info().isa_active;
    if (json) {
        nlohmann::ordered_json out_results = nlohmann::ordered_json::array();
        for (const Result& r : results) {
            const Stats s = summarize(r.tps);
            out_results.push_back({{"threads", r.threads}, {"test", r.test}, {"streams", r.streams}, {"tps", r.tps},
                                   {"min", s.min}, {"median", s.median}, {"max", s.max}});
        }
        nlohmann::ordered_json gbs = nlohmann::ordered_json::array();
        for (double b : bandwidths) gbs.push_back(b / 1e9);
        const nlohmann::ordered_json j = {{"model", model_path},
                                  {"architecture", arch},
                                  {"parameters", params},
                                  {"weight_bytes", weight_bytes},
                                  {"weight_bytes_per_token", bytes_per_token},
                                  {"isa", isa},
                                  {"weights", placement},
                                  {"load_seconds", load_seconds},
                                  {"results", out_results},
                                  {"read_bandwidth_gbs", gbs}};
        std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    std::printf("model: %s (%s, %.2f M params, %.1f MiB of weights, %.1f MiB read per token), kernels: %s\n",
                model_path.c_str(), arch.c_str(), params / 1e6, weight_bytes / 1048576.0, bytes_per_token / 1048576.0,
                isa.c_str());
    std::printf("weights: %s\nload:", placement.c_str());
    for (double v : load_seconds) std::printf(" %.2f s", v);
    std::printf("\n\n");
    std::printf("| threads | test     |     t/s (median) |        min..max |\n|--------:|:---------|-----------------:|----------------:|\n");
    for (const Result& r : results) {
        Stats s = summarize(r.tps);
        std::printf("| %7zu | %-8s | %16.2f | %7.2f..%-7.2f |\n", r.threads, r.test.c_str(), s.median, s.min, s.max);
    }
    print_parallel_speedups(results);
    if (!bandwidths.empty() && n_gen > 0) {
        std::printf("\ndecode vs the memory-bandwidth bound (read bandwidth / %.1f MiB per token):\n", bytes_per_token / 1048576.0);
        size_t bi = 0;
        for (const Result& r : results) {
            if (r.test[0] != 't' || r.streams > 0) continue;
            double bound = bandwidths[bi++] / double(bytes_per_token);
            std::printf("  %zu thread(s): %.1f GB/s measured -> bound %.1f t/s; tg median %.1f t/s = %.0f%% of bound\n",
                        r.threads, bandwidths[bi - 1] / 1e9, bound, summarize(r.tps).median,
                        100.0 * summarize(r.tps).median / bound);
        }
    }
    return 0;
}

}  // namespace hearth::cli
