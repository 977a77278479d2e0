// ChatLoop: history, context trimming, slash commands and Ctrl-C handling for `hearth chat`.
#include "chat_loop.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <sstream>
#include <vector>

#include "usage_error.hpp"

namespace hearth::cli {

namespace {

std::atomic<bool> g_generating{false};
std::atomic<bool> g_interrupted{false};

// Ctrl-C while an answer streams stops that answer; at the prompt it quits as usual.
extern "C" void on_sigint(int) {
    if (g_generating.load()) {
        g_interrupted.store(true);
        return;
    }
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
}

constexpr const char* kHelp =
    "  /help, /?                        this list\n"
    "  /set system TEXT                 a new system message (starts a new conversation)\n"
    "  /set parameter NAME VALUE        temperature, top_p, top_k, min_p, repeat_penalty, num_predict, seed\n"
    "  /show info                       the model, context and current parameters\n"
    "  /clear, /reset                   forget the conversation\n"
    "  /bye, /exit, /quit               leave (Ctrl-D too); Ctrl-C stops an answer\n";

// Tokens kept free for the answer when the history is trimmed: enough to say something, at most
// a quarter of the context.
size_t answer_reserve(size_t n_ctx, size_t max_tokens) { return std::min({max_tokens, n_ctx / 4, size_t{512}}); }

double parse_number(const std::string& name, const std::string& value) {
    try {
        size_t used = 0;
        const double d = std::stod(value, &used);
        if (used == value.size() && std::isfinite(d)) return d;
    } catch (const std::exception&) {
    }
    throw UsageError(name + " expects a number, got '" + value + "'");
}

}  // namespace

void chat_install_interrupt_handler() { std::signal(SIGINT, on_sigint); }
void chat_remove_interrupt_handler() { std::signal(SIGINT, SIG_DFL); }

ChatLoop::ChatLoop(const Model& model, Session& session, GenerateOptions gen, std::optional<std::string> system)
    : model_(model), session_(session), gen_(std::move(gen)), system_(std::move(system)), tmpl_(ChatTemplate::from_gguf(model.file())) {
    if (!tmpl_)
        std::fprintf(stderr, "[hearth] %s has no chat template: plain continuation mode (each line continues the text)\n",
                     model.file().name().c_str());
    reset();
}

void ChatLoop::reset() {
    session_.reset();
    messages_.clear();
    if (system_) messages_.push_back({"system", *system_});
}

// Without a template the conversation is one text: each user line on a new line, each answer
// continuing it directly (what a base model expects).
std::string ChatLoop::render(std::span<const ChatMessage> messages, bool add_generation_prompt) const {
    if (tmpl_) return tmpl_->render(messages, add_generation_prompt);
    std::string text;
    for (const ChatMessage& m : messages) {
        if (m.role == "assistant") text += m.content;
        else text += (text.empty() ? "" : "\n") + m.content;
    }
    return text;
}

size_t ChatLoop::tokens_from(size_t start) const {
    std::vector<ChatMessage> kept(messages_.begin(), messages_.begin() + (system_ ? 1 : 0));
    kept.insert(kept.end(), messages_.begin() + static_cast<std::ptrdiff_t>(start), messages_.end());
    return model_.tokenizer().encode(render(kept, true), gen_.add_special, gen_.parse_special).size();
}

size_t ChatLoop::fit_context() {
    const size_t first = system_ ? 1 : 0, limit = session_.n_ctx() - answer_reserve(session_.n_ctx(), gen_.max_tokens);
    // Where the kept conversation may start: after 0, 1, 2, ... whole exchanges (a user message
    // and the answer after it); the newest message always stays.
    std::vector<size_t> starts{first};
    while (starts.back() + 1 < messages_.size()) {
        const size_t s = starts.back();
        starts.push_back(s + (s + 2 < messages_.size() && messages_[s + 1].role == "assistant" ? 2 : 1));
    }
    if (tokens_from(first) <= limit) return 0;
    if (const size_t n = tokens_from(starts.back()); n > limit)
        throw Error(ErrorCode::context_full, "the message takes " + std::to_string(n) + " tokens; the context holds " +
                                                 std::to_string(session_.n_ctx()) + " (start hearth chat with a larger -c)");
    // Dropping more never lengthens the prompt: bisect for the fewest exchanges to drop, so a long
    // conversation is tokenized log2(turns) times instead of once per dropped turn.
    size_t too_few = 0, enough = starts.size() - 1;
    while (enough - too_few > 1) {
        const size_t mid = (too_few + enough) / 2;
        (tokens_from(starts[mid]) <= limit ? enough : too_few) = mid;
    }
    messages_.erase(messages_.begin() + static_cast<std::ptrdiff_t>(first), messages_.begin() + static_cast<std::ptrdiff_t>(starts[enough]));
    return starts[enough] - first;
}

void ChatLoop::turn(const std::string& user) {
    messages_.push_back({"user", user});
    if (tmpl_) {
        const std::string probe = render(true);
        const TokenId bos = model_.tokenizer().bos();
        // Templates that write BOS themselves must not get a second one from the tokenizer.
        gen_.add_special = !(bos >= 0 && probe.starts_with(model_.tokenizer().token_text(bos)));
        gen_.parse_special = true;
    }
    try {
        if (const size_t dropped = fit_context())
            std::fprintf(stderr, "[hearth] context full: dropped the %zu oldest message%s (the system message stays)\n", dropped,
                         dropped == 1 ? "" : "s");
    } catch (const Error& e) {
        messages_.pop_back();
        std::fprintf(stderr, "[hearth] %s\n", e.what());
        return;
    }
    g_interrupted.store(false);
    g_generating.store(true);
    const GenerateResult r = session_.generate(render(true), gen_, [](std::string_view piece, TokenId) {
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
        return !g_interrupted.load();
    });
    g_generating.store(false);
    std::fputc('\n', stdout);
    if (r.stop_reason == StopReason::context_full)
        std::fprintf(stderr, "[hearth] the answer filled the context; the oldest turns will make room for the next one\n");
    messages_.push_back({"assistant", r.text});
}

ChatLoop::Action ChatLoop::handle(const std::string& line) {
    if (line.empty()) return Action::go_on;
    if (line.front() == '/') return command(line);
    turn(line);
    return Action::go_on;
}

ChatLoop::Action ChatLoop::command(const std::string& line) {
    std::istringstream in(line);
    std::string cmd, what;
    in >> cmd >> what;
    if (cmd == "/bye" || cmd == "/exit" || cmd == "/quit") return Action::quit;
    if (cmd == "/help" || cmd == "/?") {
        std::fputs(kHelp, stderr);
    } else if (cmd == "/clear" || cmd == "/reset") {
        reset();
        std::fprintf(stderr, "[hearth] conversation cleared\n");
    } else if (cmd == "/show" && what == "info") {
        show_info();
    } else if (cmd == "/set" && what == "system") {
        std::string text;
        std::getline(in >> std::ws, text);
        system_ = text;
        reset();
        std::fprintf(stderr, "[hearth] system message set; new conversation\n");
    } else if (cmd == "/set" && what == "parameter") {
        std::string name, value;
        in >> name >> value;
        try {
            set_parameter(name, value);
            std::fprintf(stderr, "[hearth] %s = %s\n", name.c_str(), value.c_str());
        } catch (const UsageError& e) {
            std::fprintf(stderr, "[hearth] %s\n", e.what());
        }
    } else {
        std::fprintf(stderr, "[hearth] unknown command '%s'; /? lists the commands (a message starting with '/' needs a space first)\n",
                     line.c_str());
    }
    return Action::go_on;
}

void ChatLoop::set_parameter(const std::string& name, const std::string& value) {
    SamplerOptions& s = gen_.sampling;
    const double v = parse_number(name, value);
    if (name == "temperature" && v >= 0) s.temperature = static_cast<float>(v);
    else if (name == "top_p" && v > 0 && v <= 1) s.top_p = static_cast<float>(v);
    else if (name == "min_p" && v >= 0 && v <= 1) s.min_p = static_cast<float>(v);
    else if (name == "top_k" && v >= 0 && v == std::floor(v)) s.top_k = static_cast<int32_t>(v);
    else if (name == "repeat_penalty" && v > 0) s.repeat_penalty = static_cast<float>(v);
    else if (name == "num_predict" && v == std::floor(v) && v >= -1) gen_.max_tokens = v < 0 ? SIZE_MAX : static_cast<size_t>(v);
    else if (name == "seed" && v == std::floor(v) && v >= 0 && v < 9.2e18) s.seed = static_cast<uint64_t>(v);
    else throw UsageError("cannot set " + name + " to " + value + " (/? lists the parameters and their ranges)");
}

void ChatLoop::show_info() const {
    const ModelConfig& c = model_.config();
    const SamplerOptions& s = gen_.sampling;
    std::fprintf(stderr,
                 "  model         %s (%s)\n  architecture  %s, %zu layers, n_embd %zu\n  context       %zu tokens (%zu in use)\n"
                 "  template      %s\n  parameters    temperature %g, top_p %g, top_k %d, min_p %g, repeat_penalty %g, "
                 "num_predict %s, seed %llu\n",
                 c.name.empty() ? "-" : c.name.c_str(), model_.file().name().c_str(), c.arch.c_str(), c.n_layer, c.n_embd,
                 session_.n_ctx(), session_.n_past(), tmpl_ ? "from the model" : "none (plain continuation)", s.temperature, s.top_p,
                 s.top_k, s.min_p, s.repeat_penalty, gen_.max_tokens == SIZE_MAX ? "-1" : std::to_string(gen_.max_tokens).c_str(),
                 static_cast<unsigned long long>(s.seed));
}

}  // namespace hearth::cli
