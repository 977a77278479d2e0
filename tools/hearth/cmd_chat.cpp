// `hearth chat`: a conversation in the terminal, or one answer (`hearth chat MODEL "question"`).
// The history is rendered with the model's chat template each turn; the Session keeps the KV
// entries of the common prefix, so only the new turn is evaluated (chat_loop.cpp).
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "chat_loop.hpp"
#include "commands.hpp"
#include "generate_args.hpp"

namespace hearth::cli {

namespace {

constexpr const char* kDescription =
    "With QUESTION: answers it once and exits. Without: an interactive chat using the model's chat\n"
    "template (streamed answers); lines piped to stdin are the user's turns, and then only the\n"
    "answers go to stdout. Type /? for the commands (/set, /show info, /clear, /bye); Ctrl-C stops\n"
    "an answer. When the context fills, the oldest turns are dropped (the system message stays).";

}  // namespace

int cmd_chat(std::span<char*> argv) {
    CommandLine cli("chat", kDescription);
    ModelArgs m;
    add_model_options(cli, m, {"QUESTION", "answer this one question and exit", 1});
    GenerateOptions gen;
    add_generate_options(cli, gen, 1024);
    std::string system_text;
    CLI::Option* system_option =
        cli.app().add_option("--system", system_text, "system message at the start of the conversation")->type_name("TEXT");
    if (!cli.parse(argv)) return 0;
    const std::vector<std::string>& rest = cli.rest();
    const std::optional<std::string> system = system_option->count() ? std::optional(system_text) : std::nullopt;

    const Model model = load_model(m);  // fit check + progress bar
    Session session(model, m.session);
    ChatLoop chat(model, session, gen, system);
    if (!rest.empty()) {
        chat.turn(rest.front());
        return 0;
    }
    // On a terminal the prompt shares stdout with the answers; piped, stdout carries answers only.
    std::FILE* prompt_out = ::isatty(STDOUT_FILENO) ? stdout : stderr;
    chat_install_interrupt_handler();
    std::fprintf(stderr, "[hearth] %s loaded; /? lists commands, /bye quits, Ctrl-C stops an answer\n",
                 model.config().name.empty() ? m.path.c_str() : model.config().name.c_str());
    std::string line;
    while (true) {
        std::fputs("> ", prompt_out);
        std::fflush(prompt_out);
        if (!std::getline(std::cin, line)) break;
        if (chat.handle(line) == ChatLoop::Action::quit) break;
    }
    chat_remove_interrupt_handler();
    return 0;
}

}  // namespace hearth::cli
