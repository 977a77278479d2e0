// The safetensors reader: values of each dtype, and every way a header can lie ends in an error
// naming the file and tensor (never a crash or a read outside the file).
#include <gtest/gtest.h>

#include "convert/safetensors.hpp"
#include "hf_test_model.hpp"
#include "test_support.hpp"

namespace hearth::test {
namespace {

class SafetensorsTest : public ::testing::Test {
protected:
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("hearth_st_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::path file = dir / "model.safetensors";
    void SetUp() override { std::filesystem::create_directories(dir); }
    void TearDown() override { std::filesystem::remove_all(dir); }

    // The message of the Error opening `file` throws, after checking its code.
    std::string error_of(ErrorCode want) {
        try {
            convert::SafetensorsFile f(file);
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), want) << e.what();
            return e.what();
        }
        ADD_FAILURE() << "no error";
        return "";
    }
    void write_header(const std::string& header, size_t data_bytes) {
        write_raw_safetensors(file, header, std::vector<std::byte>(data_bytes));
    }
};

TEST_F(SafetensorsTest, ReadsEachFloatDtypeInPlace) {
    HfTensors t;
    t["a"] = {"F32", {2, 3}, {1, 2, 3, 4, 5, -6}};
    t["b"] = {"F16", {3}, {0.5f, -2.0f, 1024.0f}};
    t["c"] = {"BF16", {1, 2}, {1.5f, -3.0f}};
    write_safetensors(file, t);
    convert::SafetensorsFile f(file);
    ASSERT_EQ(f.tensors().size(), 3u);  // __metadata__ is not a tensor
    const convert::StTensor& a = f.tensors()[0];
    EXPECT_EQ(a.name, "a");
    EXPECT_EQ(a.type, GgmlType::f32);
    EXPECT_EQ(a.shape, (std::vector<uint64_t>{2, 3}));
    float v;
    std::memcpy(&v, a.data.data() + 5 * 4, 4);
    EXPECT_EQ(v, -6.0f);
    const convert::StTensor& b = f.tensors()[1];
    EXPECT_EQ(b.type, GgmlType::f16);
    uint16_t h;
    std::memcpy(&h, b.data.data() + 4, 2);
    EXPECT_EQ(kernels::fp16_to_fp32(h), 1024.0f);
    const convert::StTensor& c = f.tensors()[2];
    EXPECT_EQ(c.type, GgmlType::bf16);
    std::memcpy(&h, c.data.data() + 2, 2);
    EXPECT_EQ(kernels::bf16_to_fp32(h), -3.0f);
}

TEST_F(SafetensorsTest, TruncatedHeaderLength) {
    std::ofstream(file, std::ios::binary) << "abc";
    EXPECT_NE(error_of(ErrorCode::invalid_file).find("truncated"), std::string::npos);
}

TEST_F(SafetensorsTest, HeaderLengthPastEndOfFile) {
    write_raw_safetensors(file, "{}", {}, 1000);
    const std::string msg = error_of(ErrorCode::invalid_file);
    EXPECT_NE(msg.find("header length 1000"), std::string::npos) << msg;
    EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
}

TEST_F(SafetensorsTest, HeaderNotJson) {
    write_header("{\"a\": [1, 2", 0);
    EXPECT_NE(error_of(ErrorCode::invalid_file).find("not valid JSON"), std::string::npos);
}

TEST_F(SafetensorsTest, ShapeDisagreesWithByteRange) {
    write_header(R"({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}})", 24);
    const std::string msg = error_of(ErrorCode::invalid_file);
    EXPECT_NE(msg.find("tensor 'w'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("needs 24"), std::string::npos) << msg;
}

TEST_F(SafetensorsTest, OffsetsOutsideDataRegion) {
    write_header(R"({"w": {"dtype": "F16", "shape": [4], "data_offsets": [8, 16]}})", 12);
    EXPECT_NE(error_of(ErrorCode::invalid_file).find("outside the 12-byte data region"), std::string::npos);
    write_header(R"({"w": {"dtype": "F16", "shape": [4], "data_offsets": [8, 0]}})", 12);
    EXPECT_NE(error_of(ErrorCode::invalid_file).find("tensor 'w'"), std::string::npos);
    write_header(R"({"w": {"dtype": "F16", "shape": [-4], "data_offsets": [0, 8]}})", 12);
    EXPECT_NE(error_of(ErrorCode::invalid_file).find("non-negative"), std::string::npos);
}

TEST_F(SafetensorsTest, OverlappingTensors) {
    write_header(R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                     "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})", 16);
    const std::string msg = error_of(ErrorCode::invalid_file);
    EXPECT_NE(msg.find("'a' and 'b' overlap"), std::string::npos) << msg;
}

TEST_F(SafetensorsTest, UnsupportedDtypeNamesTensor) {
    write_header(R"({"ids": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}})", 16);
    const std::string msg = error_of(ErrorCode::unsupported);
    EXPECT_NE(msg.find("tensor 'ids' has dtype I64"), std::string::npos) << msg;
}

TEST_F(SafetensorsTest, ShardedCheckpointAndMissingShard) {
    const TinyShape s;
    write_hf_model(dir, tiny_config("LlamaForCausalLM", s), tiny_weights(s, {}, 1), 3);
    std::filesystem::remove(file);
    const convert::Checkpoint ckpt(dir);
    EXPECT_EQ(ckpt.tensors().size(), 2 + 9 * s.n_layer);  // embeddings, output norm, 9 per layer
    ASSERT_NE(ckpt.find("model.layers.1.mlp.down_proj.weight"), nullptr);
    EXPECT_EQ(ckpt.find("model.layers.1.mlp.down_proj.weight")->shape, (std::vector<uint64_t>{s.n_embd, s.n_ff}));

    std::filesystem::remove(dir / "model-00002-of-00003.safetensors");
    try {
        convert::Checkpoint broken(dir);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::io);
        EXPECT_NE(std::string(e.what()).find("shard 'model-00002-of-00003.safetensors'"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace hearth::test
