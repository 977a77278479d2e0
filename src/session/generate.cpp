// Session::generate: prompt (with common-prefix reuse), then a Generation (generation.hpp) steps
// token by token, streaming its text, until a stop condition.
// Context policy: when the cache is full, generation ends with StopReason::context_full (no
// silent context shift: the caller decides whether to reset or truncate).
#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "session/session_impl.hpp"
#include "hearth/generation.hpp"

namespace hearth {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

const char* to_string(StopReason reason) noexcept {
    switch (reason) {
        case StopReason::max_tokens: return "max_tokens";
        case StopReason::end_of_generation: return "end_of_generation";
        case StopReason::stop_string: return "stop_string";
        case StopReason::callback: return "callback";
        case StopReason::context_full: return "context_full";
    }
    return "unknown";
}

GenerateResult Session::generate(std::string_view prompt, const GenerateOptions& options, const TokenCallback& on_token) {
    if (prompt.empty()) throw Error(ErrorCode::invalid_argument, "generate: the prompt is empty");
    const std::vector<TokenId> ids = impl_->m->tokenizer.encode(prompt, options.add_special, options.parse_special);
    return generate(std::span<const TokenId>(ids), options, on_token);
}

GenerateResult Session::generate(std::span<const TokenId> prompt, const GenerateOptions& options, const TokenCallback& on_token) {
    Impl& s = *impl_;
    if (prompt.empty()) throw Error(ErrorCode::invalid_argument, "generate: the prompt has no tokens");
    if (prompt.size() > s.n_ctx)
        throw Error(ErrorCode::context_full,
                    fmt::format("context full: the prompt has {} tokens but n_ctx is {}", prompt.size(), s.n_ctx));

    const size_t common = reusable_prefix(prompt);
    truncate(common);
    auto t0 = std::chrono::steady_clock::now();
    s.eval(prompt.subspan(common), {});
    const double prompt_seconds = seconds_since(t0);

    Generation gen(*s.model, options, prompt);
    t0 = std::chrono::steady_clock::now();
    while (!gen.done()) {
        const GenerationStep step = gen.step(logits(), s.tokens.size() < s.n_ctx);
        const bool go_on = step.text.empty() || !on_token || on_token(step.text, step.id);
        if (step.done) break;
        if (!go_on) {
            gen.stop(StopReason::callback);
            break;
        }
        s.eval(std::span<const TokenId>(&step.id, 1), {});
    }
    GenerateResult result = gen.result();
    result.prompt_tokens = prompt.size();
    result.reused_tokens = common;
    result.prompt_seconds = prompt_seconds;
    result.generate_seconds = seconds_since(t0);
    return result;
}

}  // namespace hearth
