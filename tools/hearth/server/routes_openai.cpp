// The OpenAI-compatible API: GET /v1/models, POST /v1/chat/completions, POST /v1/completions,
// streamed as server-sent events ending in "data: [DONE]" when the request says stream: true.
#include <httplib.h>

#include <memory>

#include "server/job_runner.hpp"
#include "server/request_fields.hpp"
#include "server/response_json.hpp"
#include "server/routes.hpp"
#include "server/served_model.hpp"
#include "server/tool_stream.hpp"

namespace hearth::server {

namespace {

using nlohmann::json;

json model_object(const ServedModel& m) {
    return {{"id", m.name()},
            {"object", "model"},
            {"created", m.modified_unix()},
            {"owned_by", "hearth"},
            // Not in OpenAI's schema (clients ignore it); the chat page shows these.
            {"meta", {{"n_ctx", m.n_ctx()}, {"n_ctx_train", m.model().config().n_ctx_train},
                      {"n_params", m.parameters()}, {"size", m.file_size()}, {"chat_template", m.has_template()}}}};
}

constexpr const char* kDone = "data: [DONE]\n\n";

// One handler for both endpoints: they differ in the prompt and in the objects' shapes.
void complete(const ServerContext& ctx, const httplib::Request& req, httplib::Response& res, bool chat) {
    const json body = parse_json_object(req.body);
    GenerationRequest r = chat ? parse_openai_chat(body) : parse_openai_completion(body);
    check_model(ctx.model, r.model);
    const ToolFormat& format = ctx.model.tool_format();
    if (r.tools.choice == ToolChoice::required || r.tools.choice == ToolChoice::named)
        r.options.grammar = forced_tool_grammar(format, r.tools);
    std::vector<TokenId> prompt = chat ? ctx.model.chat_prompt(r.messages, r.tools) : ctx.model.text_prompt(r.prompt);
    const size_t n_prompt = prompt.size();
    std::shared_ptr<Job> job = submit_job(ctx.scheduler, ctx.model, std::move(prompt), r);
    const AnswerHeader h = make_header(chat ? "chatcmpl" : "cmpl", ctx.model.name());
    if (!r.stream) {
        const JobOutcome o = collect(*job, n_prompt);
        if (!chat) {
            send_json(res, openai_text_completion(h, o.text, o.result.stop_reason, o.usage));
            return;
        }
        const ParsedAnswer answer = parse_tool_calls(format, o.text, r.tools);
        send_json(res, answer.calls.empty() ? openai_chat_completion(h, o.text, o.result.stop_reason, o.usage)
                                            : openai_tool_call_completion(h, answer, o.usage));
        return;
    }
    const bool usage = r.include_usage;
    auto first = std::make_shared<bool>(true);  // the first chat chunk names the role
    // Text that may be a tool call is held back until the end (tool_stream.hpp).
    auto tools = std::make_shared<const ToolRequest>(std::move(r.tools));
    auto calls = std::make_shared<ToolCallStream>(format, *tools);
    StreamFormat stream;
    stream.content_type = "text/event-stream";
    stream.piece = [h, chat, usage, first, tools, calls](std::string_view piece) {
        if (!chat) return sse_event(openai_text_chunk(h, piece, nullptr, usage));
        const std::string text = calls->feed(piece);
        if (text.empty()) return std::string();
        const json chunk = openai_chat_chunk(h, text, *first, nullptr, usage);
        *first = false;
        return sse_event(chunk);
    };
    stream.finish = [h, chat, usage, first, tools, calls](const JobOutcome& o) {
        const StopReason reason = o.result.stop_reason;
        std::string out;
        if (!chat) {
            out = sse_event(openai_text_chunk(h, "", &reason, usage));
        } else {
            const ParsedAnswer answer = calls->finish();
            if (!answer.content.empty()) {
                out += sse_event(openai_chat_chunk(h, answer.content, *first, nullptr, usage));
                *first = false;
            }
            if (answer.calls.empty()) {
                out += sse_event(openai_chat_chunk(h, "", *first, &reason, usage));
            } else {
                out += sse_event(openai_tool_call_chunk(h, answer.calls, *first, usage));
                out += sse_event(openai_tool_call_finish_chunk(h, usage));
            }
        }
        if (usage) out += sse_event(openai_usage_chunk(h, chat ? "chat.completion.chunk" : "text_completion", o.usage));
        return out + kDone;
    };
    stream.error = [](const ApiError& e) { return sse_event(openai_error_body(e)) + kDone; };
    stream_job(res, std::move(job), n_prompt, std::move(stream));
}

}  // namespace

void add_openai_routes(httplib::Server& svr, const ServerContext& ctx) {
    const ServerContext* c = &ctx;
    svr.Get("/v1/models", guarded(Api::openai, [c](const httplib::Request&, httplib::Response& res) {
        send_json(res, json{{"object", "list"}, {"data", json::array({model_object(c->model)})}});
    }));
    svr.Get("/v1/models/(.+)", guarded(Api::openai, [c](const httplib::Request& req, httplib::Response& res) {
        check_model(c->model, req.matches[1]);  // (.+): never the empty name that means "the served one"
        send_json(res, model_object(c->model));
    }));
    svr.Post("/v1/chat/completions", guarded(Api::openai, [c](const httplib::Request& req, httplib::Response& res) {
        complete(*c, req, res, true);
    }));
    svr.Post("/v1/completions", guarded(Api::openai, [c](const httplib::Request& req, httplib::Response& res) {
        complete(*c, req, res, false);
    }));
}

}  // namespace hearth::server
