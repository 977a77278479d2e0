// Chat templates with tools: the `tools` list, assistant tool_calls and role "tool" results reach
// the template as Hugging Face passes them, so the tool sections of real templates render byte
// for byte as Python's Jinja2 renders them (the expected texts follow each template's logic; they
// were checked against Jinja2 3.1.6 set up as transformers does).
#include <gtest/gtest.h>

#include "hearth/chat_template.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "llama31_template.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {

constexpr const char* kTools =
    R"([{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city", )"
    R"("parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}])";

// A question, the assistant's call (arguments in a non-sorted order: the template must keep it),
// and the tool's answer.
std::vector<ChatMessage> conversation() {
    std::vector<ChatMessage> m;
    m.push_back({"system", "S"});
    m.push_back({"user", "Weather in Paris?"});
    ChatMessage call{"assistant", ""};
    call.tool_calls.push_back({"call_1", "get_weather", R"({"city": "Paris", "days": 2})"});
    m.push_back(call);
    ChatMessage result{"tool", "sunny"};
    result.tool_call_id = "call_1";
    m.push_back(result);
    return m;
}

// Qwen 3's template as stored in the tiny GGUFs (Qwen 2.5's tool section is the same).
TEST(ChatTemplateTools, QwenRendersToolsCallsAndResults) {
    const auto path = test::model_path("tiny-qwen3-q4_k_m.gguf");
    HEARTH_REQUIRE_FILE(path);
    const auto t = ChatTemplate::from_gguf(gguf::File::open(path));
    ASSERT_TRUE(t.has_value());
    const std::string expected = std::string(
        "<|im_start|>system\nS\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n") +
        R"({"type": "function", "function": {"name": "get_weather", "description": "Weather in a city", )"
        R"("parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}})" +
        "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
        "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
        "<args-json-object>}\n</tool_call><|im_end|>\n"
        "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
        "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}"
        "\n</tool_call><|im_end|>\n"
        "<|im_start|>user\n<tool_response>\nsunny\n</tool_response><|im_end|>\n"
        "<|im_start|>assistant\n";
    EXPECT_EQ(t->render(conversation(), true, {}, kTools), expected);
}

TEST(ChatTemplateTools, QwenWithoutToolsKeepsItsPlainSystemTurn) {
    const auto path = test::model_path("tiny-qwen3-q4_k_m.gguf");
    HEARTH_REQUIRE_FILE(path);
    const auto t = ChatTemplate::from_gguf(gguf::File::open(path));
    ASSERT_TRUE(t.has_value());
    const std::vector<ChatMessage> m = {{"system", "S"}, {"user", "U"}};
    EXPECT_EQ(t->render(m, true, {}, ""), "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplateTools, Llama31RendersToolsInTheFirstUserMessage) {
    const ChatTemplate t(test::kLlama31, "<|begin_of_text|>", "<|eot_id|>");
    const std::string expected =
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\n"
        "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nS<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nGiven the following functions, please respond with a JSON for a "
        "function call with its proper arguments that best answers the given prompt.\n\n"
        "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}."
        "Do not use variables.\n\n"
        "{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"get_weather\",\n"
        "        \"description\": \"Weather in a city\",\n        \"parameters\": {\n            \"type\": \"object\",\n"
        "            \"properties\": {\n                \"city\": {\n                    \"type\": \"string\"\n"
        "                }\n            },\n            \"required\": [\n                \"city\"\n            ]\n"
        "        }\n    }\n}\n\n"
        "Weather in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
        "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": 2}}<|eot_id|>"
        "<|start_header_id|>ipython<|end_header_id|>\n\n\"sunny\"<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n";
    EXPECT_EQ(t.render(conversation(), true, {}, kTools), expected);
}

TEST(ChatTemplateTools, ArgumentsAreADictAndOptionalKeysOnlyWhenSet) {
    const ChatTemplate t(
        "{% for m in messages %}{{ m.role }}:{{ 'tool_calls' in m }},{{ m.tool_call_id is defined }},"
        "{% for c in m.tool_calls %}{{ c.id }}/{{ c.type }}/{{ c.function.name }}/"
        "{% for k, v in c.function.arguments | items %}{{ k }}={{ v }};{% endfor %}{% endfor %}"
        "{{ m.name }}|{% endfor %}",
        "", "");
    std::vector<ChatMessage> m = conversation();
    m[3].name = "get_weather";
    EXPECT_EQ(t.render(m, false, {}, ""),
              "system:False,False,|user:False,False,|assistant:True,False,call_1/function/get_weather/city=Paris;days=2;|"
              "tool:False,True,get_weather|");
}

TEST(ChatTemplateTools, ToolsUndefinedWhenNotGiven) {
    const ChatTemplate t("{{ tools is defined }} {{ tools | length if tools is defined else 0 }}", "", "");
    const std::vector<ChatMessage> m = {{"user", "U"}};
    EXPECT_EQ(t.render(m, false, {}, ""), "False 0");
    EXPECT_EQ(t.render(m, false, {}, kTools), "True 1");
}

TEST(ChatTemplateTools, BadToolJsonIsAnInvalidArgument) {
    const ChatTemplate t("{{ tools }}", "", "");
    const std::vector<ChatMessage> m = {{"user", "U"}};
    EXPECT_EQ(test::error_code_of([&] { t.render(m, false, {}, "[{"); }), ErrorCode::invalid_argument);
    EXPECT_EQ(test::error_code_of([&] { t.render(m, false, {}, R"({"a": 1})"); }), ErrorCode::invalid_argument);
    std::vector<ChatMessage> bad = {{"assistant", ""}};
    bad[0].tool_calls.push_back({"", "f", "[1, 2]"});
    EXPECT_EQ(test::error_code_of([&] { t.render(bad, false, {}, ""); }), ErrorCode::invalid_argument);
    const std::vector<ChatVariable> vars = {{"tools", std::string("x")}};
    EXPECT_EQ(test::error_code_of([&] { t.render(m, false, vars); }), ErrorCode::invalid_argument);
    // Nesting deep enough to exhaust a recursive conversion is refused, not a crash.
    const std::string deep = "[" + std::string(100000, '[') + std::string(100000, ']') + "]";
    EXPECT_EQ(test::error_code_of([&] { t.render(m, false, {}, deep); }), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace hearth
