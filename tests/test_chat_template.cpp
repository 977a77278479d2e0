// Chat templates of real models rendered to exactly the prompt text their formats define:
// the templates stored in the shared GGUF files, plus embedded copies of public templates.
#include <gtest/gtest.h>

#include <vector>

#include "hearth/chat_template.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {

const std::vector<ChatMessage> kConversation = {
    {"system", "You are terse."},
    {"user", "Hi there"},
    {"assistant", "Hello."},
    {"user", "What is 2+2?"},
};

ChatTemplate from_model(const std::string& file) {
    auto t = ChatTemplate::from_gguf(gguf::File::open(test::model_path(file)));
    if (!t) throw Error(ErrorCode::invalid_file, file + " has no chat template");
    return std::move(*t);
}

TEST(ChatTemplateModels, Llama3) {
    HEARTH_REQUIRE_FILE(test::model_path("tiny-llama3-q4_0.gguf"));
    const ChatTemplate t = from_model("tiny-llama3-q4_0.gguf");
    std::vector<ChatMessage> messages = kConversation;
    messages[1].content = "  Hi there\n";  // the template trims contents
    EXPECT_EQ(t.render(messages, true),
              "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
              "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
              "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

// tiny-qwen2 carries the same (Qwen3-style) template as tiny-qwen3.
class ChatTemplateQwen : public ::testing::TestWithParam<const char*> {};

TEST_P(ChatTemplateQwen, ChatMLWithThinkHandling) {
    HEARTH_REQUIRE_FILE(test::model_path(GetParam()));
    const ChatTemplate t = from_model(GetParam());
    EXPECT_EQ(t.render(kConversation, true),
              "<|im_start|>system\nYou are terse.<|im_end|>\n"
              "<|im_start|>user\nHi there<|im_end|>\n"
              "<|im_start|>assistant\nHello.<|im_end|>\n"
              "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
              "<|im_start|>assistant\n");

    // Reasoning of an assistant turn before the last user query is dropped from the history.
    std::vector<ChatMessage> with_think = kConversation;
    with_think[2].content = "<think>\nThe user greets.\n</think>\n\nHello.";
    EXPECT_EQ(t.render(with_think, false),
              "<|im_start|>system\nYou are terse.<|im_end|>\n"
              "<|im_start|>user\nHi there<|im_end|>\n"
              "<|im_start|>assistant\nHello.<|im_end|>\n"
              "<|im_start|>user\nWhat is 2+2?<|im_end|>\n");

    // An assistant turn after the last user query keeps a (here empty) think block.
    const std::vector<ChatMessage> last_assistant(kConversation.begin(), kConversation.begin() + 3);
    EXPECT_EQ(t.render(last_assistant, false),
              "<|im_start|>system\nYou are terse.<|im_end|>\n"
              "<|im_start|>user\nHi there<|im_end|>\n"
              "<|im_start|>assistant\n<think>\n\n</think>\n\nHello.<|im_end|>\n");
    std::vector<ChatMessage> last_with_think = last_assistant;
    last_with_think[2].content = "<think>\n\nweighing it\n</think>\nHello.";
    EXPECT_EQ(t.render(last_with_think, false),
              "<|im_start|>system\nYou are terse.<|im_end|>\n"
              "<|im_start|>user\nHi there<|im_end|>\n"
              "<|im_start|>assistant\n<think>\nweighing it\n</think>\n\nHello.<|im_end|>\n");

    // enable_thinking=false (Qwen3's switch) pre-fills an empty think block.
    const std::vector<ChatVariable> no_thinking = {{"enable_thinking", false}};
    EXPECT_TRUE(t.render(kConversation, true, no_thinking).ends_with("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
    const std::vector<ChatVariable> thinking = {{"enable_thinking", true}};
    EXPECT_TRUE(t.render(kConversation, true, thinking).ends_with("<|im_start|>assistant\n"));
    const std::vector<ChatVariable> clash = {{"messages", std::string("x")}};
    EXPECT_THROW(t.render(kConversation, true, clash), Error);

    // No system message: nothing before the first user turn.
    const std::vector<ChatMessage> user_only = {{"user", "Hi"}};
    EXPECT_EQ(t.render(user_only, true), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST_P(ChatTemplateQwen, LongConversationStaysWithinWorkBounds) {
    HEARTH_REQUIRE_FILE(test::model_path(GetParam()));
    const ChatTemplate t = from_model(GetParam());
    std::vector<ChatMessage> messages;
    for (int i = 0; i < 3000; ++i) messages.push_back({i % 2 ? "assistant" : "user", "m" + std::to_string(i)});
    const std::string out = t.render(messages, true);
    EXPECT_TRUE(out.starts_with("<|im_start|>user\nm0<|im_end|>\n<|im_start|>assistant\nm1<|im_end|>\n"));
    EXPECT_TRUE(
        out.ends_with("<|im_start|>assistant\n<think>\n\n</think>\n\nm2999<|im_end|>\n<|im_start|>assistant\n"));
}

INSTANTIATE_TEST_SUITE_P(Models, ChatTemplateQwen, ::testing::Values("tiny-qwen2-q8_0.gguf", "tiny-qwen3-q4_k_m.gguf"));

TEST(ChatTemplateModels, FileWithoutTemplateGivesNullopt) {
    HEARTH_REQUIRE_FILE(test::model_path("stories260K.gguf"));
    EXPECT_FALSE(ChatTemplate::from_gguf(gguf::File::open(test::model_path("stories260K.gguf"))).has_value());
}

// TinyLlama-1.1B-Chat-v1.0 (Zephyr format); its line breaks rely on trim_blocks.
constexpr const char* kZephyr = R"({% for message in messages %}
{% if message['role'] == 'user' %}
{{ '<|user|>
' + message['content'] + eos_token }}
{% elif message['role'] == 'system' %}
{{ '<|system|>
' + message['content'] + eos_token }}
{% elif message['role'] == 'assistant' %}
{{ '<|assistant|>
'  + message['content'] + eos_token }}
{% endif %}
{% if loop.last and add_generation_prompt %}
{{ '<|assistant|>' }}
{% endif %}
{% endfor %})";

TEST(ChatTemplateEmbedded, TinyLlamaZephyr) {
    const ChatTemplate t(kZephyr, "<s>", "</s>");
    EXPECT_EQ(t.render(kConversation, true),
              "<|system|>\nYou are terse.</s>\n<|user|>\nHi there</s>\n<|assistant|>\nHello.</s>\n"
              "<|user|>\nWhat is 2+2?</s>\n<|assistant|>\n");
    EXPECT_EQ(t.render(std::vector<ChatMessage>{{"user", "Hi"}}, false), "<|user|>\nHi</s>\n");
}

// google/gemma-2b-it / gemma-7b-it: no system role, strict alternation.
constexpr const char* kGemma =
    R"({{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %})";

TEST(ChatTemplateEmbedded, Gemma) {
    const ChatTemplate t(kGemma, "<bos>", "<eos>");
    const std::vector<ChatMessage> no_system(kConversation.begin() + 1, kConversation.end());
    EXPECT_EQ(t.render(no_system, true),
              "<bos><start_of_turn>user\nHi there<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n"
              "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n");
    try {
        t.render(kConversation, true);
        FAIL() << "a system message must raise";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("System role not supported"), std::string::npos) << e.what();
    }
    const std::vector<ChatMessage> not_alternating = {{"user", "a"}, {"user", "b"}};
    EXPECT_THROW(t.render(not_alternating, true), Error);
}

// google/gemma-3 style: the system message becomes a prefix of the first user turn.
constexpr const char* kGemma3 = R"({{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\n'}}
{%- endif -%}
)";

TEST(ChatTemplateEmbedded, Gemma3SystemPrefix) {
    const ChatTemplate t(kGemma3, "<bos>", "<eos>");
    EXPECT_EQ(t.render(kConversation, true),
              "<bos><start_of_turn>user\nYou are terse.\n\nHi there<end_of_turn>\n"
              "<start_of_turn>model\nHello.<end_of_turn>\n"
              "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n");
}

constexpr const char* kChatML =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + "
    "'\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

TEST(ChatTemplateEmbedded, PlainChatML) {
    const ChatTemplate t(kChatML, "", "<|im_end|>");
    EXPECT_EQ(t.render(std::vector<ChatMessage>{{"user", "Hi"}}, true),
              "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_EQ(t.render(std::vector<ChatMessage>{}, false), "");
}

}  // namespace
}  // namespace hearth
