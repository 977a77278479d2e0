// Tool calling in the server without a socket: tools/tool_choice parsing (400 naming the field),
// reading calls out of model text per template family, holding calls back from a stream, and the
// forced-call grammar sampled from tiny models (every output is a call whose arguments fit).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "hearth/gguf.hpp"
#include "hearth/hearth.hpp"
#include "server/api_error.hpp"
#include "server/request_parse.hpp"
#include "server/response_json.hpp"
#include "server/tool_calls.hpp"
#include "server/tool_stream.hpp"
#include "test_support.hpp"

namespace hearth::server {
namespace {

using nlohmann::json;

const json kUser = json::array({{{"role", "user"}, {"content", "hi"}}});

json weather_tool() {
    return {{"type", "function"},
            {"function",
             {{"name", "get_weather"},
              {"description", "Weather in a city"},
              {"parameters",
               {{"type", "object"},
                {"properties", {{"city", {{"type", "string"}, {"maxLength", 12}}}, {"days", {{"type", "integer"}, {"minimum", 1}, {"maximum", 7}}}}},
                {"required", {"city", "days"}}}}}}};
}

json unit_tool() {
    return {{"type", "function"},
            {"function",
             {{"name", "set_unit"},
              {"parameters",
               {{"type", "object"},
                {"properties", {{"unit", {{"enum", {"celsius", "fahrenheit"}}}}, {"tags", {{"type", "array"}, {"items", {{"type", "string"}, {"maxLength", 5}}}, {"maxItems", 3}}}}},
                {"required", {"unit", "tags"}},
                {"additionalProperties", false}}}}}};
}

json chat_body(const json& extra = json::object()) {
    json body = {{"messages", kUser}, {"tools", {weather_tool(), unit_tool()}}};
    body.update(extra);
    return body;
}

std::string refused_field(const json& body, bool openai = true) {
    try {
        openai ? parse_openai_chat(body) : parse_ollama_chat(body);
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status, 400) << e.what();
        return e.param;
    }
    ADD_FAILURE() << "accepted: " << body.dump();
    return "";
}

TEST(ServerTools, ToolChoiceDefaultsAndForms) {
    EXPECT_EQ(parse_openai_chat({{"messages", kUser}}).tools.choice, ToolChoice::none);
    EXPECT_EQ(parse_openai_chat({{"messages", kUser}, {"tools", json::array()}, {"tool_choice", "auto"}}).tools.choice, ToolChoice::none);
    const GenerationRequest automatic = parse_openai_chat(chat_body());
    EXPECT_EQ(automatic.tools.choice, ToolChoice::automatic);
    ASSERT_EQ(automatic.tools.tools.size(), 2u);
    // Rebuilt in OpenAI's key order, which is what the template prints.
    EXPECT_EQ(automatic.tools.tools[0].dump().substr(0, 40), R"({"type":"function","function":{"name":"g)");
    EXPECT_EQ(parse_openai_chat(chat_body({{"tool_choice", "none"}})).tools.choice, ToolChoice::none);
    EXPECT_EQ(parse_openai_chat(chat_body({{"tool_choice", "required"}, {"parallel_tool_calls", false}})).tools.choice,
              ToolChoice::required);
    const GenerationRequest named =
        parse_openai_chat(chat_body({{"tool_choice", {{"type", "function"}, {"function", {{"name", "set_unit"}}}}}}));
    EXPECT_EQ(named.tools.choice, ToolChoice::named);
    EXPECT_EQ(named.tools.forced_name, "set_unit");
    // A tool without parameters takes an empty object.
    const GenerationRequest bare = parse_openai_chat(
        {{"messages", kUser}, {"tools", {{{"type", "function"}, {"function", {{"name", "now"}}}}}}});
    EXPECT_EQ(bare.tools.tools[0]["function"]["parameters"]["type"], "object");
    EXPECT_EQ(parse_ollama_chat(chat_body()).tools.choice, ToolChoice::automatic);
}

TEST(ServerTools, BadToolsAreRefusedNamingTheField) {
    EXPECT_EQ(refused_field(chat_body({{"tools", "x"}})), "tools");
    EXPECT_EQ(refused_field(chat_body({{"tools", {{{"type", "code"}}}}})), "tools[0].type");
    EXPECT_EQ(refused_field(chat_body({{"tools", {{{"type", "function"}}}}})), "tools[0].function");
    EXPECT_EQ(refused_field(chat_body({{"tools", {{{"type", "function"}, {"function", {{"description", "d"}}}}}}})),
              "tools[0].function.name");
    EXPECT_EQ(refused_field(chat_body({{"tools", {{{"type", "function"}, {"function", {{"name", "a b"}}}}}}})),
              "tools[0].function.name");
    EXPECT_EQ(refused_field(chat_body({{"tools", {{{"type", "function"}, {"function", {{"name", "f"}, {"parameters", 3}}}}}}})),
              "tools[0].function.parameters");
    EXPECT_EQ(refused_field(chat_body({{"tools", {weather_tool(), weather_tool()}}})), "tools[1].function");
    EXPECT_EQ(refused_field(chat_body({{"tools", {{{"type", "function"}}}}}), false), "tools[0].function");  // Ollama: same checks
}

TEST(ServerTools, BadToolChoiceIsRefusedNamingTheField) {
    EXPECT_EQ(refused_field(chat_body({{"tool_choice", "always"}})), "tool_choice");
    EXPECT_EQ(refused_field(chat_body({{"tool_choice", 1}})), "tool_choice");
    EXPECT_EQ(refused_field(chat_body({{"tool_choice", {{"type", "function"}, {"function", {{"name", "nope"}}}}}})),
              "tool_choice.function.name");
    EXPECT_EQ(refused_field(chat_body({{"tool_choice", {{"type", "function"}}}})), "tool_choice.function");
    EXPECT_EQ(refused_field({{"messages", kUser}, {"tool_choice", "required"}}), "tool_choice");
    EXPECT_EQ(refused_field(chat_body({{"parallel_tool_calls", "yes"}})), "parallel_tool_calls");
    EXPECT_EQ(refused_field(chat_body({{"tool_choice", "required"}, {"response_format", {{"type", "json_object"}}}})),
              "tool_choice");
}

TEST(ServerTools, ToolMessagesComeBack) {
    const json messages = {
        {{"role", "user"}, {"content", "weather?"}},
        {{"role", "assistant"},
         {"content", nullptr},
         {"tool_calls",
          {{{"id", "call_9"}, {"type", "function"}, {"function", {{"name", "get_weather"}, {"arguments", R"({"city":"Oslo"})"}}}}}}},
        {{"role", "tool"}, {"tool_call_id", "call_9"}, {"content", "rain"}}};
    const GenerationRequest r = parse_openai_chat(chat_body({{"messages", messages}}));
    ASSERT_EQ(r.messages.size(), 3u);
    ASSERT_EQ(r.messages[1].tool_calls.size(), 1u);
    EXPECT_EQ(r.messages[1].tool_calls[0].id, "call_9");
    EXPECT_EQ(r.messages[1].tool_calls[0].name, "get_weather");
    EXPECT_EQ(json::parse(r.messages[1].tool_calls[0].arguments_json), json({{"city", "Oslo"}}));
    EXPECT_EQ(r.messages[2].tool_call_id, "call_9");
    // Ollama: arguments as an object, the function named in tool_name.
    const json ollama = {{{"role", "assistant"}, {"content", ""},
                          {"tool_calls", {{{"function", {{"name", "get_weather"}, {"arguments", {{"city", "Oslo"}}}}}}}}},
                         {{"role", "tool"}, {"tool_name", "get_weather"}, {"content", "rain"}}};
    const GenerationRequest o = parse_ollama_chat(chat_body({{"messages", ollama}}));
    EXPECT_EQ(json::parse(o.messages[0].tool_calls[0].arguments_json), json({{"city", "Oslo"}}));
    EXPECT_EQ(o.messages[1].name, "get_weather");
    // Arguments that are not a JSON object, and calls on a user turn, are refused.
    json bad = messages;
    bad[1]["tool_calls"][0]["function"]["arguments"] = "[1]";
    EXPECT_EQ(refused_field(chat_body({{"messages", bad}})), "messages[1].tool_calls[0].function.arguments");
    bad = messages;
    bad[0]["tool_calls"] = bad[1]["tool_calls"];
    EXPECT_EQ(refused_field(chat_body({{"messages", bad}})), "messages[0].tool_calls");
}

const ToolFormat kHermes = tool_format("... <tool_call> ... tools ...");
const ToolFormat kLlama = tool_format("<|start_header_id|> {% if tools %}{\"name\", \"parameters\"}{% endif %}");

ToolRequest offered() { return parse_openai_chat(chat_body()).tools; }

TEST(ServerTools, FamiliesFromTheTemplateText) {
    EXPECT_EQ(kHermes.family, ToolFamily::hermes);
    EXPECT_TRUE(kHermes.template_has_tools);
    EXPECT_EQ(kLlama.family, ToolFamily::json);
    EXPECT_EQ(kLlama.arguments_key, "parameters");
    const ToolFormat none = tool_format("{% for m in messages %}{{ m.content }}{% endfor %}");
    EXPECT_EQ(none.family, ToolFamily::json);
    EXPECT_FALSE(none.template_has_tools);
    EXPECT_EQ(none.arguments_key, "arguments");
}

TEST(ServerTools, TemplatesWithoutToolsGetThemInASystemMessage) {
    const ToolFormat plain = tool_format("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}");
    const ToolRequest tools = offered();
    std::vector<ChatMessage> m = {{"system", "Be brief."}, {"user", "weather?"}, {"assistant", ""}, {"tool", "rain"}};
    m[2].tool_calls.push_back({"call_1", "get_weather", R"({"city": "Oslo"})"});
    const std::vector<ChatMessage> seen = messages_for_template(plain, tools, m);
    ASSERT_EQ(seen.size(), 4u);  // merged into the existing system message
    EXPECT_TRUE(seen[0].content.starts_with("You can call these functions.")) << seen[0].content;
    EXPECT_NE(seen[0].content.find(R"("name":"get_weather")"), std::string::npos);
    EXPECT_NE(seen[0].content.find(R"("name":"set_unit")"), std::string::npos);
    EXPECT_TRUE(seen[0].content.ends_with("\n\nBe brief."));
    EXPECT_EQ(seen[2].content, R"({"name":"get_weather","arguments":{"city":"Oslo"}})");
    EXPECT_TRUE(seen[2].tool_calls.empty());
    // tool_choice none: no tools shown, the earlier call still written out.
    const std::vector<ChatMessage> none = messages_for_template(plain, ToolRequest{}, m);
    EXPECT_EQ(none[0].content, "Be brief.");
    EXPECT_EQ(none[2].content, seen[2].content);
    // A template with a tool section gets the conversation as it is.
    EXPECT_EQ(messages_for_template(kHermes, tools, m)[2].tool_calls.size(), 1u);
    // No system message: one is added first.
    const std::vector<ChatMessage> added = messages_for_template(plain, tools, {{"user", "hi"}});
    ASSERT_EQ(added.size(), 2u);
    EXPECT_EQ(added[0].role, "system");
}

TEST(ServerTools, HermesCallsAreReadWithTextAround) {
    const ParsedAnswer a = parse_tool_calls(
        kHermes,
        "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"days\": 2}}\n</tool_call>\n"
        "<tool_call>\n{\"name\": \"set_unit\", \"arguments\": {\"unit\": \"celsius\", \"tags\": []}}\n</tool_call>",
        offered());
    ASSERT_EQ(a.calls.size(), 2u);
    EXPECT_EQ(a.calls[0].name, "get_weather");
    EXPECT_EQ(a.calls[0].arguments.dump(), R"({"city":"Oslo","days":2})");  // the model's key order kept
    EXPECT_EQ(a.calls[1].name, "set_unit");
    EXPECT_EQ(a.content, "Let me check.");
    // The last call may lack its closing tag.
    EXPECT_EQ(parse_tool_calls(kHermes, "<tool_call>{\"name\": \"set_unit\", \"arguments\": {}}", offered()).calls.size(), 1u);
}

TEST(ServerTools, WhatIsNotACallStaysContent) {
    const ToolRequest tools = offered();
    for (const char* text : {"plain words", "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": [1]}\n</tool_call>",
                             "<tool_call>\n{\"name\": \"unknown\", \"arguments\": {}}\n</tool_call>",
                             "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\n</tool_call>", "<tool_call>"}) {
        const ParsedAnswer a = parse_tool_calls(kHermes, text, tools);
        EXPECT_TRUE(a.calls.empty()) << text;
        EXPECT_EQ(a.content, text);
    }
    // Not offered to the model (tool_choice none): nothing is read.
    const ParsedAnswer none = parse_tool_calls(kHermes, "<tool_call>{\"name\": \"set_unit\", \"arguments\": {}}</tool_call>", ToolRequest{});
    EXPECT_TRUE(none.calls.empty());
}

TEST(ServerTools, LlamaJsonCallsAcceptParametersOrArguments) {
    const ToolRequest tools = offered();
    for (const char* text : {R"( {"name": "get_weather", "parameters": {"city": "Rome"}})",
                             R"(<|python_tag|>{"name": "get_weather", "arguments": {"city": "Rome"}})",
                             R"({"name": "get_weather", "arguments": "{\"city\": \"Rome\"}"})"}) {
        const ParsedAnswer a = parse_tool_calls(kLlama, text, tools);
        ASSERT_EQ(a.calls.size(), 1u) << text;
        EXPECT_EQ(a.calls[0].arguments, nlohmann::ordered_json({{"city", "Rome"}}));
        EXPECT_EQ(a.content, "");
    }
    for (const char* text : {R"(The answer is {"name": "get_weather", "parameters": {}})", R"({"name": "get_weather"})", "{"}) {
        EXPECT_TRUE(parse_tool_calls(kLlama, text, tools).calls.empty()) << text;
    }
}

// Feeds text in pieces of n bytes; returns what the stream let through and the final parse.
std::pair<std::string, ParsedAnswer> streamed(const ToolFormat& format, const ToolRequest& tools, std::string_view text,
                                              size_t n) {
    ToolCallStream stream(format, tools);
    std::string out;
    for (size_t i = 0; i < text.size(); i += n) out += stream.feed(text.substr(i, n));
    return {out, stream.finish()};
}

TEST(ServerTools, StreamsHoldBackCallsOnly) {
    const ToolRequest tools = offered();
    const std::string hermes = "Checking <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>";
    for (size_t n : {1, 3, 7, 100}) {
        auto [sent, end] = streamed(kHermes, tools, hermes, n);
        EXPECT_EQ(sent, "Checking ") << n;
        ASSERT_EQ(end.calls.size(), 1u) << n;
        EXPECT_EQ(end.content, "");
        // Text that only looks like the start of a tag is sent once it cannot be one.
        auto [plain, rest] = streamed(kHermes, tools, "a <tool b", n);
        EXPECT_EQ(plain + rest.content, "a <tool b") << n;
        auto [json_sent, json_end] = streamed(kLlama, tools, R"(  {"name": "get_weather", "parameters": {}})", n);
        EXPECT_EQ(json_sent, "");
        EXPECT_EQ(json_end.calls.size(), 1u);
        auto [text_sent, text_end] = streamed(kLlama, tools, "Hello {there}", n);
        EXPECT_EQ(text_sent, "Hello {there}");
        EXPECT_TRUE(text_end.calls.empty());
    }
    // Without tools everything passes straight through.
    const ToolRequest none;
    EXPECT_EQ(streamed(kHermes, none, hermes, 5).first, hermes);
}

TEST(ServerTools, OpenAIAnswerShapes) {
    ParsedAnswer a;
    a.calls.push_back({"get_weather", nlohmann::ordered_json{{"city", "Oslo"}, {"days", 2}}});
    a.calls.push_back({"set_unit", nlohmann::ordered_json::object()});
    const AnswerHeader h = make_header("chatcmpl", "m");
    const json c = openai_tool_call_completion(h, a, {3, 4});
    const json& choice = c["choices"][0];
    EXPECT_EQ(choice["finish_reason"], "tool_calls");
    EXPECT_TRUE(choice["message"]["content"].is_null());
    ASSERT_EQ(choice["message"]["tool_calls"].size(), 2u);
    const json& call = choice["message"]["tool_calls"][0];
    EXPECT_EQ(call["type"], "function");
    EXPECT_TRUE(call["id"].get<std::string>().starts_with("call_"));
    EXPECT_NE(call["id"], choice["message"]["tool_calls"][1]["id"]);
    EXPECT_EQ(call["function"]["arguments"], R"({"city":"Oslo","days":2})");
    const json chunk = openai_tool_call_chunk(h, a.calls, true, false);
    EXPECT_EQ(chunk["choices"][0]["delta"]["role"], "assistant");
    EXPECT_FALSE(chunk["choices"][0]["delta"].contains("content"));
    EXPECT_EQ(chunk["choices"][0]["delta"]["tool_calls"][1]["index"], 1);
    EXPECT_EQ(openai_tool_call_finish_chunk(h, false)["choices"][0]["finish_reason"], "tool_calls");
    EXPECT_EQ(ollama_tool_calls(a.calls)[0]["function"]["arguments"]["days"], 2);
}

// The arguments have the keys and types the two test tools ask for.
void expect_valid_arguments(const ToolCall& call) {
    const auto& args = call.arguments;
    if (call.name == "get_weather") {
        ASSERT_TRUE(args["city"].is_string());
        const std::string city = args["city"];
        // maxLength counts characters: count UTF-8 lead bytes (the node test checks with ajv too).
        EXPECT_LE(std::count_if(city.begin(), city.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }), 12)
            << city;
        ASSERT_TRUE(args["days"].is_number_integer());
        EXPECT_GE(args["days"].get<int64_t>(), 1);
        EXPECT_LE(args["days"].get<int64_t>(), 7);
    } else {
        ASSERT_EQ(call.name, "set_unit");
        EXPECT_TRUE(args["unit"] == "celsius" || args["unit"] == "fahrenheit");
        ASSERT_TRUE(args["tags"].is_array());
        EXPECT_LE(args["tags"].size(), 3u);
        EXPECT_EQ(args.size(), 2u);
    }
}

class ForcedToolCall : public ::testing::TestWithParam<std::string> {};

TEST_P(ForcedToolCall, SampledOutputIsACallWithValidArguments) {
    const auto path = test::model_path(GetParam());
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    const auto tmpl = ChatTemplate::from_gguf(model.file());
    ASSERT_TRUE(tmpl.has_value());
    const ToolFormat format = tool_format(tmpl->source());
    for (const json& choice : {json("required"), json({{"type", "function"}, {"function", {{"name", "set_unit"}}}})}) {
        const GenerationRequest r = parse_openai_chat(chat_body({{"tool_choice", choice}}));
        const std::vector<ChatMessage> messages = messages_for_template(format, r.tools, r.messages);
        const std::string prompt = tmpl->render(messages, true, {}, format.template_has_tools ? r.tools.tools.dump() : "");
        Session session(model, {.n_ctx = 1024});
        for (uint64_t seed = 1; seed <= 4; ++seed) {
            GenerateOptions gen;
            gen.grammar = forced_tool_grammar(format, r.tools);
            gen.sampling.temperature = 1.0f;
            gen.sampling.seed = seed;
            gen.max_tokens = 300;
            session.reset();
            const GenerateResult out = session.generate(prompt, gen);
            ASSERT_EQ(out.stop_reason, StopReason::end_of_generation) << out.text;
            const ParsedAnswer a = parse_tool_calls(format, out.text, r.tools);
            ASSERT_EQ(a.calls.size(), 1u) << "seed " << seed << ": " << out.text;
            if (r.tools.choice == ToolChoice::named) {
                EXPECT_EQ(a.calls[0].name, "set_unit");
            }
            expect_valid_arguments(a.calls[0]);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(TinyModels, ForcedToolCall, ::testing::Values("tiny-qwen3-q4_k_m.gguf", "tiny-llama3-q4_0.gguf"),
                         [](const auto& info) { return info.param.substr(5, info.param.find('-', 5) - 5); });

TEST(ServerTools, ForcedGrammarRefusesAnUnsupportedSchemaNamingTheTool) {
    json tool = weather_tool();
    tool["function"]["parameters"]["patternProperties"] = json::object();
    try {
        forced_tool_grammar(kHermes, parse_openai_chat(chat_body({{"tools", {unit_tool(), tool}}, {"tool_choice", "required"}})).tools);
        ADD_FAILURE() << "accepted";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.param, "tools[1].function.parameters");
    }
    // $ref inside parameters still resolves once the schema sits inside the call's schema.
    json ref_tool = {{"type", "function"},
                     {"function",
                      {{"name", "r"},
                       {"parameters", {{"$defs", {{"n", {{"type", "integer"}}}}}, {"type", "object"},
                                       {"properties", {{"a", {{"$ref", "#/$defs/n"}}}}}, {"required", {"a"}}}}}}};
    const ToolRequest tools = parse_openai_chat(chat_body({{"tools", {ref_tool, unit_tool()}}, {"tool_choice", "required"}})).tools;
    const Grammar g = forced_tool_grammar(kLlama, tools);
    EXPECT_TRUE(g.matches(R"({"name":"r","parameters":{"a":12}})"));
    EXPECT_FALSE(g.matches(R"({"name":"r","parameters":{"a":"x"}})"));
    EXPECT_TRUE(forced_tool_grammar(kHermes, tools).matches("<tool_call>\n{\"name\":\"r\",\"arguments\":{\"a\":1}}\n</tool_call>"));
}

}  // namespace
}  // namespace hearth::server
