// GGUF reader: parsing of hand-built files (every value type, alignment, errors) and of the shared models.
#include <gtest/gtest.h>

#include <cstring>

#include "hearth/gguf.hpp"
#include "hearth/gguf_writer.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {

using gguf::File;
using gguf::ValueType;
using gguf::Writer;

std::vector<std::byte> small_file() {
    static std::vector<float> weights(64 * 4);
    for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<float>(i) * 0.5f;
    Writer w;
    w.add_string("general.architecture", "llama");
    w.add_u32("llama.context_length", 2048);
    w.add_f32("llama.rope.freq_base", 10000.0f);
    w.add_bool("tokenizer.ggml.add_bos_token", true);
    std::vector<std::string> tokens = {"<s>", "</s>", "hello"};
    w.add_string_array("tokenizer.ggml.tokens", tokens);
    std::vector<int32_t> types = {3, 3, 1};
    w.add_i32_array("tokenizer.ggml.token_type", types);
    uint64_t ne[2] = {64, 4};
    w.add_tensor("blk.0.attn_q.weight", GgmlType::f32, ne, std::as_bytes(std::span(weights)));
    uint64_t ne1[1] = {64};
    w.add_tensor("output_norm.weight", GgmlType::f32, ne1, std::as_bytes(std::span(weights).first(64)));
    return w.to_bytes();
}

TEST(GgufReader, ParsesWriterOutput) {
    auto bytes = small_file();
    File f = File::from_memory(bytes, "small.gguf");
    EXPECT_EQ(f.version(), 3u);
    EXPECT_EQ(f.get_string("general.architecture"), "llama");
    EXPECT_EQ(f.get_uint("llama.context_length"), 2048u);
    EXPECT_FLOAT_EQ(f.get_float("llama.rope.freq_base"), 10000.0);
    EXPECT_TRUE(f.get_bool("tokenizer.ggml.add_bos_token"));
    const gguf::Value& toks = f.get_array("tokenizer.ggml.tokens", ValueType::string);
    ASSERT_EQ(toks.array_size(), 3u);
    EXPECT_EQ(toks.strings()[2], "hello");
    EXPECT_EQ(f.get_array("tokenizer.ggml.token_type", ValueType::i32).int_at(0), 3);
    ASSERT_EQ(f.tensors().size(), 2u);
    const gguf::TensorInfo& q = f.tensor("blk.0.attn_q.weight");
    EXPECT_EQ(q.ne[0], 64u);
    EXPECT_EQ(q.ne[1], 4u);
    EXPECT_EQ(q.n_bytes, 64u * 4 * 4);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(q.data) % 32, reinterpret_cast<uintptr_t>(bytes.data()) % 32);
    float x;
    std::memcpy(&x, q.data + 4 * 10, 4);
    EXPECT_EQ(x, 5.0f);
}

TEST(GgufReader, TypedGettersReportKeyAndType) {
    auto bytes = small_file();
    File f = File::from_memory(bytes, "small.gguf");
    try {
        f.get_uint("general.architecture");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_file);
        EXPECT_NE(std::string(e.what()).find("general.architecture"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("small.gguf"), std::string::npos) << e.what();
    }
    EXPECT_THROW(f.get_string("no.such.key"), Error);
    EXPECT_FALSE(f.get_string_opt("no.such.key").has_value());
    EXPECT_THROW(f.tensor("missing.weight"), Error);
}

TEST(GgufReader, RejectsBadMagicAndVersion) {
    auto bytes = small_file();
    auto bad = bytes;
    bad[0] = std::byte{'X'};
    EXPECT_THROW(File::from_memory(bad, "bad"), Error);
    bad = bytes;
    bad[4] = std::byte{9};
    EXPECT_THROW(File::from_memory(bad, "bad"), Error);
    bad = bytes;
    std::memcpy(bad.data() + 4, "\0\0\0\3", 4);  // big-endian v3
    try {
        File::from_memory(bad, "be.gguf");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::unsupported);
    }
}

TEST(GgufReader, TensorPastEndNamesTensorAndOffset) {
    auto bytes = small_file();
    bytes.resize(bytes.size() - 16);  // cut into the last tensor's data
    try {
        File::from_memory(bytes, "cut.gguf");
        FAIL();
    } catch (const Error& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("cut.gguf"), std::string::npos) << m;
        EXPECT_NE(m.find("output_norm.weight"), std::string::npos) << m;
        EXPECT_NE(m.find("offset"), std::string::npos) << m;
    }
}

TEST(GgufReader, HonoursCustomAlignment) {
    std::vector<float> w(32, 1.0f);
    Writer wr(64);
    uint64_t ne[1] = {32};
    wr.add_tensor("a", GgmlType::f32, ne, std::as_bytes(std::span(w)));
    wr.add_tensor("b", GgmlType::f32, ne, std::as_bytes(std::span(w)));
    auto bytes = wr.to_bytes();
    File f = File::from_memory(bytes, "aligned.gguf");
    EXPECT_EQ(f.alignment(), 64u);
    EXPECT_EQ(f.data_offset() % 64, 0u);
    EXPECT_EQ(f.tensor("b").offset, 128u);
}

TEST(GgufReader, RejectsUnknownTensorTypeByNumber) {
    std::vector<std::byte> data(34);
    Writer wr;
    uint64_t ne[1] = {32};
    wr.add_tensor("t", GgmlType::q8_0, ne, data);
    auto bytes = wr.to_bytes();
    // Patch the type id (it follows name, n_dims and one dimension in the tensor info).
    size_t pos = bytes.size() - 34 - 0;
    (void)pos;
    auto it = std::search(bytes.begin(), bytes.end(), reinterpret_cast<const std::byte*>("t"),
                          reinterpret_cast<const std::byte*>("t") + 1);
    ASSERT_NE(it, bytes.end());
    size_t type_at = static_cast<size_t>(it - bytes.begin()) + 1 + 4 + 8;
    uint32_t bogus = 77;
    std::memcpy(bytes.data() + type_at, &bogus, 4);
    try {
        File::from_memory(bytes, "t.gguf");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("unknown tensor type id 77"), std::string::npos) << e.what();
    }
}

TEST(GgmlTypes, BlockGeometry) {
    EXPECT_EQ(ggml_type_info(GgmlType::q4_0).block_bytes, 18u);
    EXPECT_EQ(ggml_type_info(GgmlType::q4_k).block_bytes, 144u);
    EXPECT_EQ(ggml_type_info(GgmlType::q6_k).block_bytes, 210u);
    EXPECT_EQ(ggml_type_info(GgmlType::q8_k).block_bytes, 292u);
    EXPECT_EQ(ggml_type_name(GgmlType::q4_k), "q4_K");
    EXPECT_EQ(ggml_type_from_name("Q4_K"), GgmlType::q4_k);
    EXPECT_FALSE(ggml_type_info(4u).has_value());
    EXPECT_EQ(ggml_row_bytes(GgmlType::q8_0, 64), 68u);
    EXPECT_FALSE(ggml_row_bytes(GgmlType::q8_0, 33).has_value());
}

TEST(GgufReader, OpensEverySharedModel) {
    for (const std::string& name : test::shared_models()) {
        auto path = test::model_path(name);
        HEARTH_REQUIRE_FILE(path);
        File f = File::open(path);
        SCOPED_TRACE(name);
        EXPECT_FALSE(f.tensors().empty());
        std::string arch(f.get_string("general.architecture"));
        EXPECT_TRUE(arch == "llama" || arch == "qwen2" || arch == "qwen3" || arch == "qwen3moe" || arch == "gemma3") << arch;
        EXPECT_GT(f.get_uint(arch + ".context_length"), 0u);
        EXPECT_GT(f.get_array("tokenizer.ggml.tokens", ValueType::string).array_size(), 0u);
        for (const gguf::TensorInfo& t : f.tensors()) {
            EXPECT_GE(t.data, f.bytes().data());
            EXPECT_LE(t.data + t.n_bytes, f.bytes().data() + f.file_size());
        }
    }
}

}  // namespace
}  // namespace hearth
