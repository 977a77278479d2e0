// Constrained generation: whatever the model would rather say, the text stays inside the grammar,
// ends only where the grammar allows, and the same seed gives the same text at any thread count.
#include <gtest/gtest.h>

#include <algorithm>

#include "grammar/constraint.hpp"
#include "hearth/hearth.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {

// A grammar whose every sentence is finite: the model must reach the end.
constexpr const char* kSentence = R"gbnf(
root   ::= "The " animal " ate " count " " food "."
animal ::= "cat" | "dog" | "small bird" | "ü-bear"
count  ::= [1-9] [0-9]? | "one"
food   ::= [a-z]{3,12}
)gbnf";

constexpr const char* kList = R"gbnf(
root ::= "[" ws item (ws "," ws item){0,5} ws "]"
item ::= "\"" [^"\\\x00-\x1F]{1,8} "\"" | [0-9]{1,4}
ws   ::= " "?
)gbnf";

GenerateOptions constrained(const char* gbnf, float temperature, uint64_t seed, size_t max_tokens = 200) {
    GenerateOptions gen;
    gen.grammar = Grammar::from_gbnf(gbnf);
    gen.sampling.temperature = temperature;
    gen.sampling.seed = seed;
    gen.sampling.top_k = 0;  // the whole vocabulary: the grammar alone must keep the text valid
    gen.sampling.top_p = 1;
    gen.sampling.min_p = 0;
    gen.max_tokens = max_tokens;
    return gen;
}

class GrammarGeneration : public ::testing::TestWithParam<std::string> {};

TEST_P(GrammarGeneration, SampledTextAlwaysMatchesAndEnds) {
    const auto path = test::model_path(GetParam());
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    Session session(model, {.n_ctx = 512});
    for (const char* gbnf : {kSentence, kList}) {
        const Grammar g = Grammar::from_gbnf(gbnf);
        for (uint64_t seed = 1; seed <= 6; ++seed) {
            const GenerateResult r = session.generate("Once upon a time", constrained(gbnf, 1.0f, seed));
            EXPECT_EQ(r.stop_reason, StopReason::end_of_generation) << r.text;
            EXPECT_TRUE(g.matches(r.text)) << "seed " << seed << ": " << r.text;
        }
    }
}

TEST_P(GrammarGeneration, GreedyTakesTheMostLikelyAllowedToken) {
    const auto path = test::model_path(GetParam());
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    Session session(model, {.n_ctx = 512});
    const GenerateResult r = session.generate("Once upon a time", constrained(kSentence, 0.0f, 0));
    ASSERT_TRUE(Grammar::from_gbnf(kSentence).matches(r.text)) << r.text;
    // Replay: at every step, the chosen token is the allowed one with the highest logit.
    const std::vector<TokenId> prompt = model.tokenizer().encode("Once upon a time", true, true);
    const grammar::TokenTrie trie(model.tokenizer());
    grammar::Constraint constraint(Grammar::from_gbnf(kSentence), trie);
    Session replay(model, {.n_ctx = 512});
    replay.eval(prompt);
    for (TokenId chosen : r.tokens) {
        std::vector<TokenId> allowed = constraint.allowed();
        std::sort(allowed.begin(), allowed.end());
        ASSERT_TRUE(std::binary_search(allowed.begin(), allowed.end(), chosen));
        const std::span<const float> logits = replay.logits();
        for (TokenId a : allowed) EXPECT_LE(logits[size_t(a)], logits[size_t(chosen)]);
        constraint.accept(chosen);
        replay.eval(std::span<const TokenId>(&chosen, 1));
    }
    EXPECT_TRUE(constraint.must_end());
}

TEST_P(GrammarGeneration, MaxTokensCutsAnUnfinishedText) {
    const auto path = test::model_path(GetParam());
    HEARTH_REQUIRE_FILE(path);
    const Model model = Model::load(path, {.threads = 1});
    Session session(model, {.n_ctx = 512});
    const GenerateResult r = session.generate("Once", constrained(kSentence, 1.0f, 3, 3));
    EXPECT_EQ(r.stop_reason, StopReason::max_tokens);
    EXPECT_EQ(r.tokens.size(), 3u);
    EXPECT_FALSE(Grammar::from_gbnf(kSentence).matches(r.text));
    const size_t shown = std::min<size_t>(r.text.size(), 4);  // 3 tokens may be fewer than 4 characters
    EXPECT_EQ(r.text.substr(0, shown), std::string("The ").substr(0, shown)) << r.text;
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, GrammarGeneration,
                         ::testing::Values("stories260K.gguf", "tiny-llama3-q4_0.gguf", "tiny-qwen3-q4_k_m.gguf",
                                           "tiny-gemma3-q4_0.gguf"));

TEST(GrammarGenerationThreads, SameTextAtOneAndTwoThreads) {
    const auto path = test::model_path("tiny-qwen3-q4_k_m.gguf");
    HEARTH_REQUIRE_FILE(path);
    std::string texts[2];
    for (size_t t = 1; t <= 2; ++t) {
        const Model model = Model::load(path, {.threads = t});
        Session session(model, {.n_ctx = 512});
        texts[t - 1] = session.generate("Hello", constrained(kList, 0.9f, 42)).text;
    }
    EXPECT_EQ(texts[0], texts[1]);
    EXPECT_TRUE(Grammar::from_gbnf(kList).matches(texts[0])) << texts[0];
}

}  // namespace
}  // namespace hearth
