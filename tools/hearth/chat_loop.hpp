// The conversation behind `hearth chat`: history rendered with the model's chat template (or as
// plain text for models without one), the oldest turns dropped when the context fills, and the
// slash commands Ollama users know (/help, /set, /show, /clear, /bye).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hearth/chat_template.hpp"
#include "hearth/hearth.hpp"

namespace hearth::cli {

class ChatLoop {
public:
    ChatLoop(const Model& model, Session& session, GenerateOptions gen, std::optional<std::string> system);

    enum class Action { go_on, quit };
    // One line typed by the user: a /command or a message (answered on stdout, streamed).
    Action handle(const std::string& line);
    // Answers one user message; the stream callback's false (Ctrl-C) stops the answer.
    void turn(const std::string& user);
    void reset();

private:
    Action command(const std::string& line);
    void set_parameter(const std::string& name, const std::string& value);
    void show_info() const;
    std::string render(bool add_generation_prompt) const { return render(messages_, add_generation_prompt); }
    std::string render(std::span<const ChatMessage> messages, bool add_generation_prompt) const;
    // Drops the oldest exchanges (never the system message) until the prompt leaves room for an
    // answer; returns how many messages went. Throws Error(context_full) when the newest message
    // alone does not fit.
    size_t fit_context();
    // Prompt tokens of the conversation from messages_[start] on (plus the system message).
    size_t tokens_from(size_t start) const;

    const Model& model_;
    Session& session_;
    GenerateOptions gen_;
    std::optional<std::string> system_;
    std::optional<ChatTemplate> tmpl_;
    std::vector<ChatMessage> messages_;  // system (optional) first, then user/assistant turns
};

// True while an answer streams and Ctrl-C should stop it rather than quit.
void chat_install_interrupt_handler();
void chat_remove_interrupt_handler();

}  // namespace hearth::cli
