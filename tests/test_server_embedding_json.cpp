// The embedding answers' JSON without a model: OpenAI's list (floats or base64 float32) and
// Ollama's embeddings arrays.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/embedding_response.hpp"

namespace hearth::server {
namespace {

TEST(ServerEmbeddingJson, Base64IsLittleEndianFloat32) {
    // Expected strings from Python: base64.b64encode(struct.pack('<3f', -0.5, 3.25, 0.001)).
    EXPECT_EQ(base64_floats({}), "");
    EXPECT_EQ(base64_floats({1.0f}), "AACAPw==");
    EXPECT_EQ(base64_floats({1.0f, 2.0f}), "AACAPwAAAEA=");
    EXPECT_EQ(base64_floats({-0.5f, 3.25f, 0.001f}), "AAAAvwAAUEBvEoM6");
}

TEST(ServerEmbeddingJson, OpenAiAndOllamaShapes) {
    const std::vector<std::vector<float>> v = {{0.5f, -1.0f}, {2.0f, 0.25f}};
    const nlohmann::json o = openai_embeddings(v, false, "m", 7);
    EXPECT_EQ(o["object"], "list");
    EXPECT_EQ(o["model"], "m");
    ASSERT_EQ(o["data"].size(), 2u);
    EXPECT_EQ(o["data"][1]["object"], "embedding");
    EXPECT_EQ(o["data"][1]["index"], 1);
    EXPECT_EQ(o["data"][1]["embedding"], nlohmann::json({2.0, 0.25}));
    EXPECT_EQ(o["usage"], nlohmann::json({{"prompt_tokens", 7}, {"total_tokens", 7}}));
    EXPECT_EQ(openai_embeddings(v, true, "m", 7)["data"][0]["embedding"], base64_floats(v[0]));

    const nlohmann::ordered_json l = ollama_embed(v, "m:latest", 7, 0.25);
    EXPECT_EQ(l["model"], "m:latest");
    EXPECT_EQ(l["embeddings"], nlohmann::ordered_json({{0.5, -1.0}, {2.0, 0.25}}));
    EXPECT_EQ(l["prompt_eval_count"], 7);
    EXPECT_EQ(l["total_duration"], 250000000);
}

}  // namespace
}  // namespace hearth::server
