// bench_parallel_decode: N sessions, one BatchEvaluator, one token per session per step.
#include "bench_parallel.hpp"

#include <chrono>

#include "hearth/batch.hpp"

namespace hearth::cli {

std::vector<double> bench_parallel_decode(const Model& model, size_t streams, std::span<const TokenId> tokens, size_t reps) {
    std::vector<Session> sessions;
    for (size_t i = 0; i < streams; ++i) sessions.emplace_back(model, SessionOptions{.n_ctx = tokens.size() + 1, .n_batch = 1});
    BatchEvaluator batch(model, streams, streams);
    std::vector<double> tps;
    for (size_t rep = 0; rep <= reps; ++rep) {  // rep 0 warms up
        for (Session& s : sessions) s.reset();
        const auto t0 = std::chrono::steady_clock::now();
        for (size_t step = 0; step < tokens.size(); ++step) {
            // Stream i is a step ahead of stream i+1 in the same token list: different tokens per row.
            for (size_t i = 0; i < streams; ++i) batch.add(sessions[i], tokens.subspan((step + i) % tokens.size(), 1));
            batch.eval();
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (rep > 0) tps.push_back(double(streams * tokens.size()) / seconds);
    }
    return tps;
}

}  // namespace hearth::cli
