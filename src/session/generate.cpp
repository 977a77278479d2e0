// Session::generate: prompt (with common-prefix reuse) -> sample -> stream, until a stop condition.
// Context policy: when the cache is full, generation ends with StopReason::context_full (no
// silent context shift: the caller decides whether to reset or truncate).
#include <algorithm>
#include <chrono>

#include "session/session_impl.hpp"
#include "session/stop_strings.hpp"

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
        throw Error(ErrorCode::context_full, "context full: the prompt has " + std::to_string(prompt.size()) +
                                                 " tokens but n_ctx is " + std::to_string(s.n_ctx));
    const Tokenizer& tok = s.m->tokenizer;
    GenerateResult result;
    result.prompt_tokens = prompt.size();

    // Keep the cached prefix the new prompt shares; at least one token is re-evaluated for its logits.
    const auto mismatch = std::mismatch(s.tokens.begin(), s.tokens.end(), prompt.begin(), prompt.end());
    truncate(std::min(static_cast<size_t>(mismatch.first - s.tokens.begin()), prompt.size() - 1));
    const size_t common = s.tokens.size();  // less when sliding-window layers could not keep it all
    result.reused_tokens = common;
    auto t0 = std::chrono::steady_clock::now();
    s.eval(prompt.subspan(common), {});
    result.prompt_seconds = seconds_since(t0);

    Sampler sampler(options.sampling, s.m->config.n_vocab);
    for (TokenId id : prompt) sampler.accept(id);
    StreamDecoder decoder(tok);
    StopStringFilter filter(options.stop);
    t0 = std::chrono::steady_clock::now();
    auto emit = [&](const std::string& text, TokenId id) { return text.empty() || !on_token || on_token(text, id); };

    result.stop_reason = StopReason::max_tokens;
    while (result.tokens.size() < options.max_tokens) {
        const TokenId id = sampler.sample(logits());
        sampler.accept(id);
        if (tok.is_end_of_generation(id)) {
            result.stop_reason = StopReason::end_of_generation;
            break;
        }
        result.tokens.push_back(id);
        const bool go_on = emit(filter.push(decoder.push(id)), id);
        if (filter.stopped()) {
            result.stop_reason = StopReason::stop_string;
            break;
        }
        if (!go_on) {
            result.stop_reason = StopReason::callback;
            break;
        }
        if (result.tokens.size() == options.max_tokens) break;
        if (s.tokens.size() == s.n_ctx) {
            result.stop_reason = StopReason::context_full;
            break;
        }
        s.eval(std::span<const TokenId>(&id, 1), {});
    }
    if (!filter.stopped()) {
        const std::string tail = filter.push(decoder.flush()) + filter.flush();
        if (result.stop_reason != StopReason::callback && !result.tokens.empty()) emit(tail, result.tokens.back());
    }
    result.text = filter.text();
    result.generate_seconds = seconds_since(t0);
    return result;
}

}  // namespace hearth
