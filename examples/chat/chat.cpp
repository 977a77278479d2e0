// A terminal chat built on hearth's public API only: the model's chat template renders the
// history, the Session reuses the KV cache of the common prefix, answers stream as they come.
// /reset starts over, /exit quits, Ctrl-C stops the current answer.
// usage: hearth-example-chat MODEL.gguf [SYSTEM_PROMPT]
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "hearth/chat_template.hpp"
#include "hearth/hearth.hpp"

namespace {
std::atomic<bool> stop_answer{false};
extern "C" void on_interrupt(int) { stop_answer = true; }
}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return std::fprintf(stderr, "usage: %s MODEL.gguf [SYSTEM_PROMPT]\n", argv[0]), 2;
    try {
        const hearth::Model model = hearth::Model::load(argv[1]);
        const auto chat_template = hearth::ChatTemplate::from_gguf(model.file());
        if (!chat_template) return std::fprintf(stderr, "error: %s has no chat template\n", argv[1]), 1;
        hearth::Session session(model);
        std::vector<hearth::ChatMessage> history;
        if (argc > 2) history.push_back({"system", argv[2]});
        const size_t n_fixed = history.size();

        hearth::GenerateOptions options;  // default sampling: temperature 0.8, top-k 40, top-p 0.95
        options.max_tokens = 1024;
        options.add_special = false;  // chat templates write BOS themselves when the model wants one
        std::signal(SIGINT, on_interrupt);
        std::string line;
        while (std::printf("> "), std::fflush(stdout), std::getline(std::cin, line)) {
            if (line == "/exit") break;
            if (line == "/reset") {
                history.resize(n_fixed);
                session.reset();
                continue;
            }
            history.push_back({"user", line});
            stop_answer = false;
            const hearth::GenerateResult r =
                session.generate(chat_template->render(history, true), options, [](std::string_view piece, hearth::TokenId) {
                    std::fwrite(piece.data(), 1, piece.size(), stdout);
                    std::fflush(stdout);
                    return !stop_answer.load();
                });
            std::puts("");
            history.push_back({"assistant", r.text});
            if (r.stop_reason == hearth::StopReason::context_full) {
                std::fprintf(stderr, "(context full: starting over)\n");
                history.resize(n_fixed);
                session.reset();
            }
        }
    } catch (const hearth::Error& e) {
        return std::fprintf(stderr, "error: %s\n", e.what()), 1;
    }
}
