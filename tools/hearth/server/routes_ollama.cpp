// The Ollama-compatible API: POST /api/chat and /api/generate (NDJSON streaming unless
// "stream": false), GET /api/tags, POST /api/show, GET /api/version, GET /api/ps.
#include <httplib.h>

#include <memory>

#include "server/gguf_json.hpp"
#include "server/job_runner.hpp"
#include "server/request_fields.hpp"
#include "server/response_json.hpp"
#include "server/routes.hpp"
#include "server/served_model.hpp"
#include "server/tool_stream.hpp"

namespace hearth::server {

namespace {

// Ordered: listings keep the fields (and /api/show the file's metadata) in their order.
using json = nlohmann::ordered_json;

json details(const ServedModel& m) {
    const std::string& arch = m.model().config().arch;
    return {{"parent_model", ""},          {"format", "gguf"},
            {"family", arch},              {"families", json::array({arch})},
            {"parameter_size", m.parameter_size()}, {"quantization_level", m.quantization()}};
}

// The entry /api/tags and /api/ps list. No digest: hearth does not hash multi-GB files at start-up.
json listing(const ServedModel& m) {
    return {{"name", m.name() + ":latest"}, {"model", m.name() + ":latest"}, {"modified_at", rfc3339(m.modified_unix())},
            {"size", m.file_size()},         {"digest", ""},                 {"details", details(m)}};
}

// The answer line with message.tool_calls when the model called tools.
nlohmann::json with_tool_calls(nlohmann::json line, const ParsedAnswer& answer) {
    if (!answer.calls.empty()) line["message"]["tool_calls"] = ollama_tool_calls(answer.calls);
    return line;
}

void answer(const ServerContext& ctx, const httplib::Request& req, httplib::Response& res, bool chat) {
    const nlohmann::json body = parse_json_object(req.body);
    const GenerationRequest r = chat ? parse_ollama_chat(body) : parse_ollama_generate(body);
    check_model(ctx.model, r.model);
    const std::string model_name = r.model.empty() ? ctx.model.name() + ":latest" : r.model;
    if (!chat && r.prompt.empty() && r.system.empty()) {
        // Ollama answers an empty generate request by loading the model; here it is loaded.
        nlohmann::json j = ollama_line(model_name, false, "");
        j["done"] = true;
        j["done_reason"] = "load";
        send_json(res, j);
        return;
    }
    std::vector<TokenId> prompt;
    if (chat) {
        prompt = ctx.model.chat_prompt(r.messages, r.tools);
    } else if (r.raw) {
        prompt = ctx.model.text_prompt(r.prompt);
    } else {
        std::vector<ChatMessage> messages;
        if (!r.system.empty()) messages.push_back({"system", r.system});
        messages.push_back({"user", r.prompt});
        prompt = ctx.model.chat_prompt(messages);
    }
    const size_t n_prompt = prompt.size();
    std::shared_ptr<Job> job = submit_job(ctx.scheduler, ctx.model, std::move(prompt), r);
    // Ollama has no tool_choice: the model answers freely and calls are read from its text.
    auto tools = std::make_shared<const ToolRequest>(r.tools);
    auto calls = std::make_shared<ToolCallStream>(ctx.model.tool_format(), *tools);
    if (!r.stream) {
        const JobOutcome o = collect(*job, n_prompt);
        const ParsedAnswer answer = parse_tool_calls(ctx.model.tool_format(), o.text, *tools);
        send_json(res, with_tool_calls(ollama_final(model_name, chat, answer.content, o.usage, o.result, o.seconds), answer));
        return;
    }
    StreamFormat format;
    format.content_type = "application/x-ndjson";
    format.piece = [model_name, chat, tools, calls](std::string_view piece) {
        const std::string text = calls->feed(piece);
        return text.empty() ? std::string() : ndjson_line(ollama_line(model_name, chat, text));
    };
    format.finish = [model_name, chat, tools, calls](const JobOutcome& o) {
        // Held-back text and calls go in one last message line, as Ollama sends its calls.
        const ParsedAnswer answer = calls->finish();
        std::string out;
        if (!answer.content.empty() || !answer.calls.empty())
            out = ndjson_line(with_tool_calls(ollama_line(model_name, chat, answer.content), answer));
        return out + ndjson_line(ollama_final(model_name, chat, "", o.usage, o.result, o.seconds));
    };
    format.error = [](const ApiError& e) { return ndjson_line(ollama_error_body(e)); };
    stream_job(res, std::move(job), n_prompt, std::move(format));
}

void show(const ServerContext& ctx, const httplib::Request& req, httplib::Response& res) {
    const nlohmann::json body = parse_json_object(req.body);
    const Fields f(body, "");
    // "model" is the current name of the field, "name" the one older clients send.
    const std::string requested = f.string("model").value_or(f.string("name").value_or(""));
    check_model(ctx.model, requested);
    const ServedModel& m = ctx.model;
    nlohmann::json info = nlohmann::json::object();  // sorted by key, as Ollama lists model_info
    for (const gguf::MetadataEntry& e : m.model().file().metadata()) info[std::string(e.key)] = gguf_value_json(e.value);
    json j = {{"license", ""},
              {"modelfile", "# served by hearth\nFROM " + m.name() + "\n"},
              {"parameters", ""},
              {"template", m.has_template() ? m.chat_template()->source() : ""},
              {"details", details(m)},
              {"model_info", info},
              {"capabilities", m.tool_format().template_has_tools ? json::array({"completion", "tools"}) : json::array({"completion"})},
              {"modified_at", rfc3339(m.modified_unix())}};
    send_json(res, j);
}

}  // namespace

void add_ollama_routes(httplib::Server& svr, const ServerContext& ctx) {
    const ServerContext* c = &ctx;
    svr.Post("/api/chat", guarded(Api::ollama, [c](const httplib::Request& req, httplib::Response& res) {
        answer(*c, req, res, true);
    }));
    svr.Post("/api/generate", guarded(Api::ollama, [c](const httplib::Request& req, httplib::Response& res) {
        answer(*c, req, res, false);
    }));
    svr.Post("/api/show", guarded(Api::ollama, [c](const httplib::Request& req, httplib::Response& res) { show(*c, req, res); }));
    svr.Get("/api/tags", guarded(Api::ollama, [c](const httplib::Request&, httplib::Response& res) {
        send_json(res, json{{"models", json::array({listing(c->model)})}});
    }));
    svr.Get("/api/ps", guarded(Api::ollama, [c](const httplib::Request&, httplib::Response& res) {
        json entry = listing(c->model);
        entry["expires_at"] = "9999-12-31T23:59:59Z";  // loaded until the server stops
        entry["size_vram"] = 0;
        send_json(res, json{{"models", json::array({entry})}});
    }));
    svr.Get("/api/version", guarded(Api::ollama, [](const httplib::Request&, httplib::Response& res) {
        send_json(res, json{{"version", HEARTH_VERSION_STRING}});
    }));
}

}  // namespace hearth::server
