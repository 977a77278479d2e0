// The server's JSON mapping without a model or a socket: request bodies of both APIs become the
// right GenerationRequest or a 400 naming the field; answers have the shapes the clients parse.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/api_error.hpp"
#include "server/request_fields.hpp"
#include "server/request_parse.hpp"
#include "server/response_json.hpp"
#include "server/served_model.hpp"
#include "test_support.hpp"

namespace hearth::server {
namespace {

using nlohmann::json;

// The field a request is refused for (the test fails when it is accepted).
std::string refused_field(GenerationRequest (*parse)(const json&), const json& body, int status = 400) {
    try {
        parse(body);
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status, status) << e.what();
        EXPECT_NE(std::string(e.what()), "");
        return e.param;
    }
    ADD_FAILURE() << "accepted: " << body.dump();
    return "";
}

const json kUser = json::array({{{"role", "user"}, {"content", "hi"}}});

TEST(ServerJson, OpenAIChatFieldsMapToOptions) {
    const GenerationRequest r = parse_openai_chat({{"model", "m"}, {"messages", kUser}, {"temperature", 0.25}, {"top_p", 0.5},
                                                   {"max_tokens", 7}, {"seed", -3}, {"stop", "END"}, {"presence_penalty", 1},
                                                   {"frequency_penalty", -0.5}, {"stream", true},
                                                   {"stream_options", {{"include_usage", true}}}, {"n", 1}});
    EXPECT_EQ(r.model, "m");
    ASSERT_EQ(r.messages.size(), 1u);
    EXPECT_EQ(r.messages[0].role, "user");
    EXPECT_EQ(r.messages[0].content, "hi");
    EXPECT_FLOAT_EQ(r.options.sampling.temperature, 0.25f);
    EXPECT_FLOAT_EQ(r.options.sampling.top_p, 0.5f);
    EXPECT_FLOAT_EQ(r.options.sampling.presence_penalty, 1.0f);
    EXPECT_FLOAT_EQ(r.options.sampling.frequency_penalty, -0.5f);
    EXPECT_EQ(r.options.sampling.seed, static_cast<uint64_t>(int64_t{-3}));
    EXPECT_EQ(r.max_tokens, 7u);
    EXPECT_EQ(r.options.stop, std::vector<std::string>{"END"});
    EXPECT_TRUE(r.stream);
    EXPECT_TRUE(r.include_usage);
}

TEST(ServerJson, OpenAIDefaultsAndNewerNames) {
    const GenerationRequest r = parse_openai_chat({{"messages", kUser}, {"max_tokens", 5}, {"max_completion_tokens", 9},
                                                   {"stop", {"a", "", "b"}}, {"temperature", nullptr}});
    EXPECT_EQ(r.max_tokens, 9u);  // max_completion_tokens wins
    EXPECT_EQ(r.options.stop, (std::vector<std::string>{"a", "b"}));  // empty stop strings dropped
    EXPECT_FLOAT_EQ(r.options.sampling.temperature, SamplerOptions{}.temperature);  // null = absent
    EXPECT_FALSE(r.stream);
    EXPECT_FALSE(parse_openai_chat({{"messages", kUser}}).max_tokens.has_value());
    // Content parts are joined; developer is OpenAI's newer name for system.
    const GenerationRequest p = parse_openai_chat(
        {{"messages", {{{"role", "developer"}, {"content", {{{"type", "text"}, {"text", "a"}}, {{"type", "text"}, {"text", "b"}}}}}}}});
    EXPECT_EQ(p.messages[0].role, "system");
    EXPECT_EQ(p.messages[0].content, "ab");
}

TEST(ServerJson, OpenAIRefusalsNameTheField) {
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", "hi"}}), "messages");
    EXPECT_EQ(refused_field(parse_openai_chat, json::object()), "messages");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", json::array()}}), "messages");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", {{{"role", "king"}, {"content", "x"}}}}}), "messages[0].role");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", {{{"role", "user"}, {"content", 3}}}}}), "messages[0].content");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", kUser}, {"temperature", "hot"}}), "temperature");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", kUser}, {"temperature", 2.5}}), "temperature");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", kUser}, {"top_p", 0}}), "top_p");
    for (const json& v : {json(-1), json(0), json(1e300), json(3.5), json("9"), json(uint64_t{1} << 63), json(int64_t{1} << 40)})
        EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", kUser}, {"max_tokens", v}}), "max_tokens") << v.dump();
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", kUser}, {"n", 2}}), "n");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", kUser}, {"stop", {"a", 1}}}), "stop[1]");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", kUser}, {"stop", {"a", "b", "c", "d", "e"}}}), "stop");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", kUser}, {"seed", 0.5}}), "seed");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", kUser}, {"stream_options", 1}}), "stream_options");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", kUser}, {"tools", {{{"type", "function"}}}}}), "tools[0].function");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", kUser}, {"response_format", {{"type", "xml"}}}}),
              "response_format.type");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", kUser}, {"response_format", {{"type", "json_schema"}}}}),
              "response_format.json_schema");
    EXPECT_EQ(refused_field(parse_openai_chat, {{"messages", kUser},
                                                {"response_format",
                                                 {{"type", "json_schema"},
                                                  {"json_schema", {{"name", "x"}, {"schema", {{"type", "object"}, {"not", {{"type", "null"}}}}}}}}}}),
              "response_format.json_schema.schema");
    EXPECT_EQ(refused_field(parse_openai_completion, {{"prompt", {1, 2}}}), "prompt");
    EXPECT_EQ(refused_field(parse_openai_completion, {{"prompt", "x"}, {"echo", true}}), "echo");
    EXPECT_EQ(parse_openai_completion({{"prompt", {"only"}}}).prompt, "only");
}

TEST(ServerJson, OllamaOptions) {
    const GenerationRequest r = parse_ollama_chat({{"model", "x:latest"}, {"messages", kUser},
                                                   {"options", {{"temperature", 0}, {"top_k", 5}, {"top_p", 0.9}, {"min_p", 0.1},
                                                                {"num_predict", 12}, {"seed", 4}, {"stop", {"\n\n"}},
                                                                {"repeat_penalty", 1.1}, {"repeat_last_n", 32}, {"num_ctx", 4096}}}});
    EXPECT_TRUE(r.stream);  // Ollama streams by default
    EXPECT_FLOAT_EQ(r.options.sampling.temperature, 0.0f);
    EXPECT_EQ(r.options.sampling.top_k, 5);
    EXPECT_FLOAT_EQ(r.options.sampling.min_p, 0.1f);
    EXPECT_FLOAT_EQ(r.options.sampling.repeat_penalty, 1.1f);
    EXPECT_EQ(r.options.sampling.penalty_last_n, 32);
    EXPECT_EQ(r.options.sampling.seed, 4u);
    EXPECT_EQ(r.max_tokens, 12u);
    EXPECT_EQ(r.options.stop, std::vector<std::string>{"\n\n"});
    EXPECT_FALSE(parse_ollama_generate({{"prompt", "p"}, {"options", {{"num_predict", -1}}}}).max_tokens.has_value());
    EXPECT_FALSE(parse_ollama_generate({{"prompt", "p"}, {"stream", false}}).stream);
    const GenerationRequest g = parse_ollama_generate({{"prompt", "p"}, {"system", "s"}, {"raw", true}});
    EXPECT_EQ(g.prompt, "p");
    EXPECT_EQ(g.system, "s");
    EXPECT_TRUE(g.raw);
}

TEST(ServerJson, OllamaRefusalsNameTheField) {
    EXPECT_EQ(refused_field(parse_ollama_chat, {{"messages", kUser}, {"options", {{"top_k", "many"}}}}), "options.top_k");
    EXPECT_EQ(refused_field(parse_ollama_chat, {{"messages", kUser}, {"options", {{"num_predict", -3}}}}), "options.num_predict");
    EXPECT_EQ(refused_field(parse_ollama_chat, {{"messages", kUser}, {"options", json::array()}}), "options");
    EXPECT_EQ(refused_field(parse_ollama_chat, {{"messages", kUser}, {"format", "yaml"}}), "format");
    EXPECT_EQ(refused_field(parse_ollama_chat, {{"messages", kUser}, {"format", {{"type", "object"}, {"if", json::object()}}}}),
              "format");
    EXPECT_EQ(refused_field(parse_ollama_chat, {{"messages", {{{"role", "user"}, {"content", "x"}, {"images", {"AAAA"}}}}}}),
              "messages[0].images");
    EXPECT_EQ(refused_field(parse_ollama_generate, {{"prompt", 1}}), "prompt");
    EXPECT_EQ(refused_field(parse_ollama_generate, {{"prompt", "x"}, {"context", {1, 2}}}), "context");
}

TEST(ServerJson, BodiesMustBeJsonObjects) {
    for (const char* body : {"", "{", "[]", "null", "1", "{\"a\":1}x", "{\"a\":\"\xff\"}"}) {
        try {
            parse_json_object(body);
            ADD_FAILURE() << "accepted: " << body;
        } catch (const ApiError& e) {
            EXPECT_EQ(e.status, 400);
            EXPECT_EQ(e.code, "invalid_json");
        }
    }
    EXPECT_EQ(parse_json_object(" {\"a\": [1]} ")["a"][0], 1);
}

TEST(ServerJson, OpenAIAnswerShapes) {
    const AnswerHeader h{"chatcmpl-1", 100, "m"};
    const json c = openai_chat_completion(h, "hello", StopReason::max_tokens, {3, 4});
    EXPECT_EQ(c["object"], "chat.completion");
    EXPECT_EQ(c["choices"][0]["message"]["content"], "hello");
    EXPECT_EQ(c["choices"][0]["finish_reason"], "length");
    EXPECT_EQ(c["usage"]["total_tokens"], 7);
    EXPECT_EQ(openai_text_completion(h, "x", StopReason::stop_string, {1, 1})["choices"][0]["finish_reason"], "stop");
    const json first = openai_chat_chunk(h, "he", true, nullptr, true);
    EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
    EXPECT_EQ(first["choices"][0]["delta"]["content"], "he");
    EXPECT_TRUE(first["choices"][0]["finish_reason"].is_null());
    EXPECT_TRUE(first.contains("usage") && first["usage"].is_null());
    const StopReason eog = StopReason::end_of_generation;
    const json last = openai_chat_chunk(h, "", false, &eog, false);
    EXPECT_EQ(last["choices"][0]["finish_reason"], "stop");
    EXPECT_TRUE(last["choices"][0]["delta"].empty());
    EXPECT_FALSE(last.contains("usage"));
    const json usage = openai_usage_chunk(h, "chat.completion.chunk", {2, 5});
    EXPECT_TRUE(usage["choices"].empty());
    EXPECT_EQ(usage["usage"]["completion_tokens"], 5);
    EXPECT_EQ(sse_event(json{{"a", 1}}), "data: {\"a\":1}\n\n");
    EXPECT_EQ(finish_reason(StopReason::context_full), std::string("length"));
    EXPECT_EQ(finish_reason(StopReason::callback), std::string("stop"));
}

TEST(ServerJson, OllamaAnswerShapes) {
    GenerateResult r;
    r.stop_reason = StopReason::end_of_generation;
    r.prompt_seconds = 0.5;
    r.generate_seconds = 1.25;
    const json f = ollama_final("m:latest", true, "", {3, 9}, r, 2.0);
    EXPECT_EQ(f["done"], true);
    EXPECT_EQ(f["done_reason"], "stop");
    EXPECT_EQ(f["message"]["role"], "assistant");
    EXPECT_EQ(f["eval_count"], 9);
    EXPECT_EQ(f["prompt_eval_count"], 3);
    EXPECT_EQ(f["eval_duration"], 1250000000);
    EXPECT_EQ(f["total_duration"], 2000000000);
    const json line = ollama_line("m", false, "tok");
    EXPECT_EQ(line["response"], "tok");
    EXPECT_EQ(line["done"], false);
    EXPECT_EQ(ndjson_line(json{{"a", 1}}), "{\"a\":1}\n");
    EXPECT_EQ(rfc3339(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(rfc3339_now().size(), std::string("2024-01-01T00:00:00.000000000Z").size());
}

TEST(ServerJson, InvalidUtf8InAnswersIsReplacedNotThrown) {
    EXPECT_EQ(dump(json{{"t", std::string("a\xff")}}), "{\"t\":\"a\xef\xbf\xbd\"}");
}

TEST(ServerJson, PlainTextRenderingJoinsContents) {
    const std::vector<ChatMessage> m = {{"system", "Be kind."}, {"user", "Once upon a time"}, {"assistant", " there was"}, {"user", "a cat"}};
    EXPECT_EQ(ServedModel::plain_text_rendering(m), "Be kind.\nOnce upon a time\n there was\na cat");
}

// The name a served model goes by, and the names its APIs answer to (Ollama's ":latest" either way).
TEST(ServerJson, ServedModelAnswersToItsNameWithOrWithoutLatest) {
    const auto path = test::model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    const ServedModel stem(model, path, "stories260K", 64), store(model, path, "stories:latest", 64);
    EXPECT_EQ(store.name(), "stories:latest");
    for (const char* name : {"", "stories260K", "stories260K:latest"}) EXPECT_TRUE(stem.answers_to(name)) << name;
    for (const char* name : {"", "stories", "stories:latest"}) EXPECT_TRUE(store.answers_to(name)) << name;
    for (const char* name : {"stories260", "stories:1b", "stories260K:latest:latest"}) EXPECT_FALSE(stem.answers_to(name)) << name;
    EXPECT_TRUE(store.answers_to("stories260K"));  // general.name
    EXPECT_FALSE(store.answers_to("tinystories"));
}

}  // namespace
}  // namespace hearth::server
