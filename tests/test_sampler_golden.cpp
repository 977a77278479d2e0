// Greedy generation with repetition / frequency / presence penalties against token ids that
// llama.cpp (prebuilt, via node-llama-cpp 3.22.1, temperature 0, last 64 tokens incl. the prompt)
// produced on the shared models: checks the penalty rule end to end, not just on hand-made logits.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "hearth/hearth.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {

struct PenaltyCase {
    const char* model;
    float repeat, frequency, presence;
    std::vector<TokenId> expected;  // llama.cpp's 24 tokens after "Once upon a time"
};

const std::vector<PenaltyCase> kCases = {
    {"tiny-llama3-q8_0.gguf", 1.5f, 0.0f, 0.0f, {91247,  4604,   115553, 83287,  33878,  97705,  77755,  58188,
                                                 17575,  86735,  66884,  41373,  6651,   37409,  93298,  19720,
                                                 112237, 112237, 112237, 112237, 112237, 112237, 112237, 107019}},
    {"tiny-llama3-q8_0.gguf", 1.0f, 1.5f, 0.7f, {91247, 4604,  115553, 115553, 17345, 17345, 17345, 91043,
                                                 91043, 91043, 8184,   8184,   8184,  8184,  8964,  8964,
                                                 8964,  35153, 35153,  35153,  55667, 41696, 41696, 41696}},
    {"tiny-qwen2-q8_0.gguf", 1.3f, 0.2f, 0.1f, {103437, 103437, 103437, 14387,  95553,  102729, 83429,  21357,
                                                113469, 143874, 130219, 11842,  14181,  149919, 151426, 142562,
                                                142562, 142562, 142562, 142562, 142562, 69284,  69284,  69284}},
    {"tiny-qwen3-q4_k_m.gguf", 1.1f, 0.0f, 2.0f, {34328,  34328,  34328,  115623, 115623, 115623, 149130, 149130,
                                                  149130, 149130, 138497, 64955,  55192,  55192,  55192,  55192,
                                                  55192,  55192,  55192,  55192,  55192,  55192,  55192,  55192}},
    {"stories260K.gguf", 1.2f, 0.3f, 0.0f, {432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338,
                                            401, 396, 267, 337, 410, 408, 419, 292, 411, 322, 265, 282}},
};

TEST(SamplerGolden, PenalisedGreedyMatchesLlamaCpp) {
    std::optional<Model> model;
    std::string loaded;
    for (const PenaltyCase& c : kCases) {
        const auto path = test::model_path(c.model);
        HEARTH_REQUIRE_FILE(path);
        SCOPED_TRACE(std::string(c.model) + " repeat " + std::to_string(c.repeat) + " frequency " +
                     std::to_string(c.frequency) + " presence " + std::to_string(c.presence));
        if (!model || loaded != c.model) {  // consecutive cases share a model
            model.emplace(Model::load(path));
            loaded = c.model;
        }
        Session session(*model);
        GenerateOptions options;
        options.max_tokens = c.expected.size();
        options.sampling.temperature = 0.0f;
        options.sampling.repeat_penalty = c.repeat;
        options.sampling.frequency_penalty = c.frequency;
        options.sampling.presence_penalty = c.presence;
        options.sampling.penalty_last_n = 64;
        EXPECT_EQ(session.generate("Once upon a time", options).tokens, c.expected);
    }
}

}  // namespace
}  // namespace hearth
