// `hearth chat`: an interactive conversation in the terminal. The history is rendered with the
// model's chat template each turn; the Session keeps the KV entries of the common prefix, so only
// the new turn is evaluated. Models without a template get a plain continuation mode.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "generate_args.hpp"
#include "hearth/chat_template.hpp"

namespace hearth::cli {

namespace {

constexpr const char* kUsage =
    "usage: hearth chat -m MODEL [--system TEXT] [-n N] [options]\n"
    "\n"
    "Interactive chat using the model's chat template (streamed answers). Type /reset to start\n"
    "over, /exit (or Ctrl-D) to quit; Ctrl-C stops the current answer.\n"
    "\n"
    "  --system TEXT            system message at the start of the conversation\n"
    "  -n, --n-predict N        tokens per answer at most (default 1024)\n";

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

class ChatLoop {
public:
    ChatLoop(const Model& model, Session& session, GenerateOptions gen, std::optional<std::string> system)
        : model_(model), session_(session), gen_(std::move(gen)), system_(std::move(system)),
          tmpl_(ChatTemplate::from_gguf(model.file())) {
        if (!tmpl_)
            std::fprintf(stderr, "[hearth] %s has no chat template: plain continuation mode (each line continues the text)\n",
                         model.file().name().c_str());
        reset();
    }

    void reset() {
        session_.reset();
        messages_.clear();
        transcript_.clear();
        if (system_) messages_.push_back({"system", *system_});
    }

    // One user turn: prints the streamed answer and records it in the history.
    void turn(const std::string& user) {
        std::string prompt;
        if (tmpl_) {
            messages_.push_back({"user", user});
            prompt = tmpl_->render(messages_, true);
            const TokenId bos = model_.tokenizer().bos();
            // Templates that write BOS themselves must not get a second one from the tokenizer.
            gen_.add_special = !(bos >= 0 && prompt.starts_with(model_.tokenizer().token_text(bos)));
            gen_.parse_special = true;
        } else {
            transcript_ += transcript_.empty() ? user : "\n" + user;
            prompt = transcript_;
        }
        g_interrupted.store(false);
        g_generating.store(true);
        GenerateResult r;
        try {
            r = session_.generate(prompt, gen_, [](std::string_view piece, TokenId) {
                std::fwrite(piece.data(), 1, piece.size(), stdout);
                std::fflush(stdout);
                return !g_interrupted.load();
            });
        } catch (const Error& e) {
            g_generating.store(false);
            if (e.code() != ErrorCode::context_full) throw;
            std::fprintf(stderr, "\n[hearth] %s: the conversation was reset\n", e.what());
            reset();
            return;
        }
        g_generating.store(false);
        std::fputc('\n', stdout);
        if (r.stop_reason == StopReason::context_full) {
            std::fprintf(stderr, "[hearth] context full: the conversation was reset\n");
            reset();
            return;
        }
        if (tmpl_)
            messages_.push_back({"assistant", r.text});
        else
            transcript_ += r.text;
    }

private:
    const Model& model_;
    Session& session_;
    GenerateOptions gen_;
    std::optional<std::string> system_;
    std::optional<ChatTemplate> tmpl_;
    std::vector<ChatMessage> messages_;
    std::string transcript_;
};

}  // namespace

int cmd_chat(std::span<char*> argv) {
    Args args(argv);
    if (args.help()) {
        std::printf("%s%s%s", kUsage, kModelArgsHelp, kSamplingHelp);
        return 0;
    }
    const ModelArgs m = parse_model_args(args);
    const GenerateOptions gen = parse_generate_options(args, 1024);
    const auto system = args.value({"--system"});
    args.finish();

    const Model model = load_model(m);  // fit check + progress bar
    Session session(model, m.session);
    ChatLoop chat(model, session, gen, system);
    std::signal(SIGINT, on_sigint);
    std::fprintf(stderr, "[hearth] %s loaded; /reset starts over, /exit quits, Ctrl-C stops an answer\n",
                 model.config().name.empty() ? m.path.c_str() : model.config().name.c_str());
    std::string line;
    while (true) {
        std::fputs("> ", stdout);
        std::fflush(stdout);
        if (!std::getline(std::cin, line)) break;
        if (line == "/exit" || line == "/quit") break;
        if (line == "/reset") {
            chat.reset();
            std::fprintf(stderr, "[hearth] conversation reset\n");
            continue;
        }
        if (line.empty()) continue;
        chat.turn(line);
    }
    std::signal(SIGINT, SIG_DFL);
    return 0;
}

}  // namespace hearth::cli
