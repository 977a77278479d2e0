// GGUF tensor-data layout rules: data stored in tensor-info order, each tensor padded to the
// alignment, no overlaps or gaps; hostile offsets, counts and types give errors naming the stored values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "hearth/gguf.hpp"
#include "hearth/gguf_writer.hpp"
#include "hearth/tokenizer.hpp"

namespace hearth {
namespace {

using gguf::File;
using gguf::Writer;

// Two F32 tensors "a" [64] and "b" [64, 2], 32-byte aligned: a at 0, b at 256.
std::vector<std::byte> two_tensors() {
    static const std::vector<float> w(128, 0.25f);
    Writer wr;
    wr.add_string("general.architecture", "llama");
    const uint64_t ne_a[1] = {64}, ne_b[2] = {64, 2};
    wr.add_tensor("a", GgmlType::f32, ne_a, std::as_bytes(std::span(w).first(64)));
    wr.add_tensor("b", GgmlType::f32, ne_b, std::as_bytes(std::span(w)));
    return wr.to_bytes();
}

// Where the tensor info of `name` starts (its u64 name length), found by the name bytes.
size_t info_at(const std::vector<std::byte>& bytes, const std::string& name) {
    std::string needle(8, '\0');
    const uint64_t len = name.size();
    std::memcpy(needle.data(), &len, 8);
    needle += name;
    const auto* first = reinterpret_cast<const char*>(bytes.data());
    const std::string_view all(first, bytes.size());
    const size_t at = all.find(needle);
    EXPECT_NE(at, std::string_view::npos) << name;
    return at;
}

size_t n_dims_at(const std::vector<std::byte>& bytes, const std::string& name) { return info_at(bytes, name) + 8 + name.size(); }

size_t type_at(const std::vector<std::byte>& bytes, const std::string& name) {
    const size_t nd = n_dims_at(bytes, name);
    uint32_t n_dims = 0;
    std::memcpy(&n_dims, bytes.data() + nd, 4);
    return nd + 4 + 8 * n_dims;
}

size_t offset_at(const std::vector<std::byte>& bytes, const std::string& name) { return type_at(bytes, name) + 4; }

template <typename T>
void poke(std::vector<std::byte>& bytes, size_t at, T value) {
    std::memcpy(bytes.data() + at, &value, sizeof value);
}

std::string error_of(const std::vector<std::byte>& bytes) {
    try {
        File::from_memory(bytes, "hostile.gguf");
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_file) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "the file was accepted";
    return {};
}

TEST(GgufLayout, WriterOutputFollowsTheRule) {
    const auto bytes = two_tensors();
    const File f = File::from_memory(bytes, "ok.gguf");
    EXPECT_EQ(f.tensor("a").offset, 0u);
    EXPECT_EQ(f.tensor("b").offset, 256u);
}

TEST(GgufLayout, OffsetNearTwoToThe64IsReportedAsStored) {
    auto bytes = two_tensors();
    const uint64_t hostile = UINT64_MAX - 63;  // 2^64 - 64: data + offset would wrap around
    poke(bytes, offset_at(bytes, "b"), hostile);
    const std::string m = error_of(bytes);
    EXPECT_NE(m.find("tensor 'b'"), std::string::npos) << m;
    EXPECT_NE(m.find(std::to_string(hostile)), std::string::npos) << m;
}

TEST(GgufLayout, OverlappingTensorsAreRejected) {
    auto bytes = two_tensors();
    poke(bytes, offset_at(bytes, "b"), uint64_t{0});  // b over a
    const std::string m = error_of(bytes);
    EXPECT_NE(m.find("tensor 'b' data offset 0"), std::string::npos) << m;
    EXPECT_NE(m.find("expected 256"), std::string::npos) << m;
}

TEST(GgufLayout, ReorderedTensorsAreRejected) {
    auto bytes = two_tensors();
    poke(bytes, offset_at(bytes, "a"), uint64_t{512});  // a after b, b at 256: a gap in front, overlap behind
    const std::string m = error_of(bytes);
    EXPECT_NE(m.find("tensor 'a' data offset 512"), std::string::npos) << m;
}

TEST(GgufLayout, SmallerTypeLeavesAGapAndIsRejected) {
    auto bytes = two_tensors();
    poke(bytes, type_at(bytes, "a"), static_cast<uint32_t>(GgmlType::f16));  // a now 128 bytes: b expected at 128
    const std::string m = error_of(bytes);
    EXPECT_NE(m.find("tensor 'b' data offset 256"), std::string::npos) << m;
    EXPECT_NE(m.find("expected 128"), std::string::npos) << m;
}

TEST(GgufLayout, TensorCountOneTooHighIsRejected) {
    auto bytes = two_tensors();
    poke(bytes, 8, uint64_t{3});  // the count follows magic and version
    const std::string m = error_of(bytes);
    EXPECT_FALSE(m.empty());
}

TEST(GgufLayout, MisalignedOffsetIsRejected) {
    auto bytes = two_tensors();
    poke(bytes, offset_at(bytes, "b"), uint64_t{260});
    const std::string m = error_of(bytes);
    EXPECT_NE(m.find("not aligned"), std::string::npos) << m;
}

// A vocabulary of three tokens with a special id the file sets to `id`.
std::vector<std::byte> vocab_with(const char* key, uint32_t id) {
    Writer wr;
    wr.add_string("tokenizer.ggml.model", "llama");
    const std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    wr.add_string_array("tokenizer.ggml.tokens", tokens);
    const std::vector<float> scores = {0, 0, 0};
    wr.add_f32_array("tokenizer.ggml.scores", scores);
    wr.add_u32(key, id);
    return wr.to_bytes();
}

TEST(TokenizerSpecials, IdOutsideTheVocabularyIsAnErrorNamingKeyAndValue) {
    for (const char* key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id",
                            "tokenizer.ggml.eot_token_id"}) {
        SCOPED_TRACE(key);
        const auto ok = vocab_with(key, 2);
        EXPECT_NO_THROW(Tokenizer::from_gguf(File::from_memory(ok, "v.gguf")));
        const auto bad = vocab_with(key, 3);
        try {
            Tokenizer::from_gguf(File::from_memory(bad, "v.gguf"));
            ADD_FAILURE() << "accepted";
        } catch (const Error& e) {
            const std::string m = e.what();
            EXPECT_NE(m.find(key), std::string::npos) << m;
            EXPECT_NE(m.find("= 3"), std::string::npos) << m;
        }
    }
}

}  // namespace
}  // namespace hearth
