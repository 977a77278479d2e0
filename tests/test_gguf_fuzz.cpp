// Robustness of the GGUF reader: every truncation of a small valid file and >= 10,000 seeded
// mutations must end in success or hearth::Error — never a crash, sanitizer report or hang.
#include <gtest/gtest.h>

#include <time.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "hearth/gguf.hpp"
#include "hearth/gguf_writer.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {

// A file that uses every metadata value type, a nested array, several tensor types and a
// non-default alignment, so mutations reach every branch of the parser.
std::vector<std::byte> rich_file() {
    static std::vector<std::byte> q8(34 * 4, std::byte{1});
    static std::vector<std::byte> f16(2 * 64, std::byte{0});
    static std::vector<std::byte> q4k(144 * 2, std::byte{7});
    gguf::Writer w(64);
    w.add_string("general.architecture", "llama");
    w.add_u32("llama.block_count", 1);
    w.add_i32("some.i32", -5);
    w.add_u64("some.u64", 1ull << 40);
    w.add_f32("some.f32", 0.25f);
    w.add_bool("some.bool", true);
    std::vector<std::string> toks = {"a", "bb", "ccc", "<0x0A>"};
    w.add_string_array("tokenizer.ggml.tokens", toks);
    std::vector<float> scores = {0.f, -1.f, -2.f, -3.f};
    w.add_f32_array("tokenizer.ggml.scores", scores);
    std::vector<int32_t> types = {1, 1, 3, 6};
    w.add_i32_array("tokenizer.ggml.token_type", types);
    // A nested array (array of arrays) borrowed from a file built on the fly.
    std::vector<std::byte> nested_src;
    {
        auto put = [&](const void* p, size_t n) {
            auto b = static_cast<const std::byte*>(p);
            nested_src.insert(nested_src.end(), b, b + n);
        };
        uint32_t v3 = 3, arr = 9, u8t = 0;
        uint64_t zero = 0, one = 1, two = 2, klen = 6;
        put("GGUF", 4); put(&v3, 4); put(&zero, 8); put(&one, 8);
        put(&klen, 8); put("nested", 6); put(&arr, 4); put(&arr, 4); put(&two, 8);
        for (int i = 0; i < 2; ++i) { put(&u8t, 4); put(&one, 8); uint8_t b = 42; put(&b, 1); }
    }
    gguf::File nested = gguf::File::from_memory(nested_src, "nested");
    w.add_value("some.nested", *nested.find("nested"));
    uint64_t ne_q8[2] = {64, 2}, ne_f16[1] = {64}, ne_q4k[1] = {512};
    w.add_tensor("blk.0.attn_q.weight", GgmlType::q8_0, ne_q8, q8);
    w.add_tensor("blk.0.attn_norm.weight", GgmlType::f16, ne_f16, f16);
    w.add_tensor("output.weight", GgmlType::q4_k, ne_q4k, q4k);
    return w.to_bytes();
}

double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Parses bytes; returns true on success, false on hearth::Error. Any other exception fails the test.
// Also touches everything a caller might read, so a bad view would be caught by ASan.
bool parse(std::span<const std::byte> bytes, double* max_ms) {
    double t0 = thread_cpu_ms();
    bool ok = true;
    try {
        gguf::File f = gguf::File::from_memory(bytes, "fuzz.gguf");
        size_t sum = 0;
        for (const gguf::MetadataEntry& e : f.metadata()) sum += e.value.to_display().size() + e.key.size();
        for (const gguf::TensorInfo& t : f.tensors())
            for (std::byte b : t.bytes()) sum += static_cast<size_t>(b);
        EXPECT_GE(sum, 0u);
    } catch (const Error&) {
        ok = false;
    }
    *max_ms = std::max(*max_ms, thread_cpu_ms() - t0);
    return ok;
}

TEST(GgufFuzz, RichFileParses) {
    auto bytes = rich_file();
    gguf::File f = gguf::File::from_memory(bytes, "rich.gguf");
    EXPECT_EQ(f.alignment(), 64u);
    ASSERT_NE(f.find("some.nested"), nullptr);
    EXPECT_EQ(f.find("some.nested")->nested().size(), 2u);
    EXPECT_EQ(f.find("some.i32")->as_int(), -5);
    EXPECT_EQ(f.tensors().size(), 3u);
}

TEST(GgufFuzz, EveryTruncationFailsCleanly) {
    auto bytes = rich_file();
    gguf::File whole = gguf::File::from_memory(bytes, "rich.gguf");
    const gguf::TensorInfo& last = whole.tensors().back();
    // The writer pads the data section to the alignment; cutting only that padding stays valid.
    size_t needed = whole.data_offset() + last.offset + last.n_bytes;
    double max_ms = 0;
    for (size_t n = 0; n < bytes.size(); ++n) {
        // Copy into an exact-size buffer so any read past the end is an ASan error.
        std::vector<std::byte> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
        EXPECT_EQ(parse(cut, &max_ms), n >= needed) << "truncated to " << n << " bytes";
    }
    EXPECT_LT(max_ms, 100.0);
}

TEST(GgufFuzz, RandomMutationsNeverCrash) {
    auto original = rich_file();
    std::mt19937_64 rng(20261128);
    const uint64_t nasty[] = {0, 1, 0xFFFFFFFFFFFFFFFFull, 0x7FFFFFFFFFFFFFFFull, 1ull << 62, 1ull << 32,
                              0xFFFFFFFFull, 0x80000000ull, 31, 33, 4096};
    double max_ms = 0;
    size_t parsed = 0;
    constexpr int kMutations = 12000;
    for (int i = 0; i < kMutations; ++i) {
        std::vector<std::byte> m = original;
        int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits; ++e) {
            size_t pos = rng() % m.size();
            switch (rng() % 5) {
                case 0: m[pos] ^= std::byte(1u << (rng() % 8)); break;  // bit flip
                case 1: m[pos] = std::byte(rng() & 0xFF); break;        // random byte
                case 2: {                                               // huge or odd 64-bit count/length/offset
                    uint64_t v = nasty[rng() % std::size(nasty)] + (rng() % 3);
                    std::memcpy(m.data() + pos, &v, std::min<size_t>(8, m.size() - pos));
                    break;
                }
                case 3: {  // bad type id
                    uint32_t v = static_cast<uint32_t>(rng() % 64);
                    std::memcpy(m.data() + pos, &v, std::min<size_t>(4, m.size() - pos));
                    break;
                }
                default: m.resize(pos); break;  // truncation
            }
            if (m.empty()) break;
        }
        parsed += parse(m, &max_ms);
    }
    EXPECT_LT(max_ms, 100.0);
    // Not a property of the reader, but a check that the mutations are not all trivially fatal.
    EXPECT_GT(parsed, 100u);
    EXPECT_LT(parsed, static_cast<size_t>(kMutations));
}

TEST(GgufFuzz, SharedModelHeaderTruncations) {
    auto path = test::model_path("stories260K.gguf");
    HEARTH_REQUIRE_FILE(path);
    std::string text = test::read_text(path);
    std::vector<std::byte> bytes(text.size());
    std::memcpy(bytes.data(), text.data(), text.size());
    size_t data_offset = gguf::File::from_memory(bytes, "stories").data_offset();
    double max_ms = 0;
    // Every offset inside the header (metadata + tensor table), then a stride through the data.
    for (size_t n = 0; n < bytes.size(); n += n < data_offset ? 7 : 4099) {
        std::vector<std::byte> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
        EXPECT_FALSE(parse(cut, &max_ms)) << n;
    }
    EXPECT_LT(max_ms, 100.0);
}

}  // namespace
}  // namespace hearth
