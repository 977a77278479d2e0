// Pre-tokenizer word splits for every supported tokenizer.ggml.pre family, and synthetic
// vocabularies built with gguf::Writer (merge order, errors naming bad metadata, hostile files).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/gguf_writer.hpp"
#include "hearth/tokenizer.hpp"
#include "test_support.hpp"
#include "tokenizer/pretokenize.hpp"

namespace {

using hearth::TokenId;
using hearth::tok::PreKind;

std::vector<std::string> split(PreKind kind, std::string_view text) {
    hearth::tok::PreScratch scratch;
    std::vector<uint32_t> ends;
    hearth::tok::pretokenize(kind, text, scratch, ends);
    std::vector<std::string> words;
    uint32_t begin = 0;
    for (uint32_t end : ends) {
        words.emplace_back(text.substr(begin, end - begin));
        begin = end;
    }
    return words;
}

using Words = std::vector<std::string>;
const std::string kSample = "Hello world's 12345 ok!!\n\n  x";

TEST(TokenizerPretokenize, Llama3GroupsDigitsByThree) {
    EXPECT_EQ(split(PreKind::llama3, kSample),
              (Words{"Hello", " world", "'s", " ", "123", "45", " ok", "!!\n\n", " ", " x"}));
    // Contractions ignore case; a letter run takes one leading non-letter, non-digit character.
    EXPECT_EQ(split(PreKind::llama3, "DON'T 'Ll\tx"), (Words{"DON", "'T", " '", "Ll", "\tx"}));
    EXPECT_EQ(split(PreKind::llama3, "a \r\n \nb"), (Words{"a", " \r\n \n", "b"}));
    EXPECT_EQ(split(PreKind::llama3, "trailing  "), (Words{"trailing", "  "}));
}

TEST(TokenizerPretokenize, Qwen2SplitsEveryDigit) {
    EXPECT_EQ(split(PreKind::qwen2, kSample),
              (Words{"Hello", " world", "'s", " ", "1", "2", "3", "4", "5", " ok", "!!\n\n", " ", " x"}));
}

TEST(TokenizerPretokenize, Gpt2KeepsNumberRunsAndLowercaseContractions) {
    EXPECT_EQ(split(PreKind::gpt2, kSample), (Words{"Hello", " world", "'s", " 12345", " ok", "!!", "\n\n ", " x"}));
    EXPECT_EQ(split(PreKind::gpt2, "DON'T"), (Words{"DON", "'", "T"}));
}

TEST(TokenizerPretokenize, DefaultChainsFourSplits) {
    EXPECT_EQ(split(PreKind::default_bpe, kSample),
              (Words{"Hello", " world", "'", "s", " ", "123", "45", " ok", "!!", "\n\n ", " x"}));
    EXPECT_EQ(split(PreKind::default_bpe, "a+b=<c>"), (Words{"a", "+", "b", "=<", "c", ">"}));
}

TEST(TokenizerPretokenize, SmollmSplitsDigitsFirst) {
    EXPECT_EQ(split(PreKind::smollm, kSample),
              (Words{"Hello", " world", "'s", " ", "1", "2", "3", "4", "5", " ok", "!!", "\n\n ", " x"}));
}

TEST(TokenizerPretokenize, UnicodeClasses) {
    // U+00A0 and U+3000 are White_Space; Arabic-Indic digits are \p{N}; U+0301 is a mark (\p{M}),
    // which none of these regexes treat as a letter.
    EXPECT_EQ(split(PreKind::llama3, "a\xC2\xA0" "b \xD9\xA1\xD9\xA2\xD9\xA3\xD9\xA4"),
              (Words{"a", "\xC2\xA0" "b", " ", "\xD9\xA1\xD9\xA2\xD9\xA3", "\xD9\xA4"}));
    EXPECT_EQ(split(PreKind::llama3, "e\xCC\x81x"), (Words{"e", "\xCC\x81x"}));
    EXPECT_EQ(split(PreKind::llama3, "\xE6\x97\xA5\xE6\x9C\xAC\xE3\x80\x80x"), (Words{"\xE6\x97\xA5\xE6\x9C\xAC", "\xE3\x80\x80x"}));
}

TEST(TokenizerPretokenize, EveryByteIsCovered) {
    std::string text;
    for (int i = 0; i < 3000; ++i) text += static_cast<char>((i * 7919) % 128);
    for (PreKind kind : {PreKind::llama3, PreKind::qwen2, PreKind::gpt2, PreKind::smollm, PreKind::default_bpe}) {
        std::string joined;
        for (const std::string& w : split(kind, text)) {
            EXPECT_FALSE(w.empty());
            joined += w;
        }
        EXPECT_EQ(joined, text);
    }
}

// A byte-level vocabulary: the 256 byte characters (GPT-2 alphabet), then merged tokens.
std::vector<std::byte> synthetic_bpe(std::string_view model, std::string_view pre, const std::vector<std::string>& extra,
                                     const std::vector<std::string>& merges) {
    std::vector<std::string> tokens;
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
        const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
        const uint32_t cp = printable ? b : next++;
        std::string s;
        if (cp < 0x80) {
            s += static_cast<char>(cp);
        } else {
            s += static_cast<char>(0xC0 | (cp >> 6));
            s += static_cast<char>(0x80 | (cp & 0x3F));
        }
        tokens.push_back(s);
    }
    tokens.insert(tokens.end(), extra.begin(), extra.end());
    hearth::gguf::Writer w;
    w.add_string("general.architecture", "llama");
    w.add_string("tokenizer.ggml.model", model);
    w.add_string("tokenizer.ggml.pre", pre);
    w.add_string_array("tokenizer.ggml.tokens", tokens);
    w.add_string_array("tokenizer.ggml.merges", merges);
    return w.to_bytes();
}

TEST(TokenizerSynthetic, MergesApplyByRankThenLeftmost) {
    // Ids 0..255 are the bytes in order here. "Ġ" is the byte-level space. Rank order makes "ab" before "bc"; "abc" needs "ab c".
    const auto bytes = synthetic_bpe("gpt2", "gpt-2", {"ab", "bc", "abc", "\xC4\xA0" "a", "aa"},
                                     {"a b", "b c", "ab c", "\xC4\xA0 a", "a a"});
    const auto file = hearth::gguf::File::from_memory(bytes, "synthetic.gguf");
    const auto tok = hearth::Tokenizer::from_gguf(file);
    EXPECT_EQ(tok.encode("abc", false, false), std::vector<TokenId>{258});
    EXPECT_EQ(tok.encode("bc", false, false), std::vector<TokenId>{257});
    EXPECT_EQ(tok.encode("aaa", false, false), (std::vector<TokenId>{260, 'a'}));
    EXPECT_EQ(tok.encode(" a", false, false), std::vector<TokenId>{259});
    EXPECT_EQ(tok.decode(tok.encode("xyz abc\n\t", false, false)), "xyz abc\n\t");
    EXPECT_FALSE(tok.add_bos());
}

// The message from_gguf throws for these bytes (which must be Error(unsupported)).
std::string unsupported_message(const std::vector<std::byte>& bytes, const std::string& name) {
    const auto file = hearth::gguf::File::from_memory(bytes, name);
    try {
        (void)hearth::Tokenizer::from_gguf(file);
    } catch (const hearth::Error& e) {
        EXPECT_EQ(e.code(), hearth::ErrorCode::unsupported);
        return e.what();
    }
    ADD_FAILURE() << "no error for " << name;
    return {};
}

TEST(TokenizerSynthetic, ErrorsNameTheBadValue) {
    const std::string pre = unsupported_message(synthetic_bpe("gpt2", "no-such-pre", {}, {}), "bad-pre.gguf");
    EXPECT_NE(pre.find("no-such-pre"), std::string::npos) << pre;
    EXPECT_NE(pre.find("bad-pre.gguf"), std::string::npos) << pre;
    // t5 (llama.cpp's Unigram) is a model hearth does not read; bert (WordPiece) it now does.
    const std::string model = unsupported_message(synthetic_bpe("t5", "default", {}, {}), "t5.gguf");
    EXPECT_NE(model.find("'t5'"), std::string::npos) << model;
    hearth::gguf::Writer w;
    w.add_string("tokenizer.ggml.model", "llama");
    const auto empty = w.to_bytes();
    EXPECT_THROW((void)hearth::Tokenizer::from_gguf(hearth::gguf::File::from_memory(empty, "novocab.gguf")), hearth::Error);
}

}  // namespace

namespace {

// Seeded hostile vocabularies: invalid UTF-8 and empty token texts, random types, scores and
// special ids, garbage merges. Loading either fails with hearth::Error or gives a tokenizer
// whose encode/decode/stream never crash and only return ids inside the vocabulary.
TEST(TokenizerSynthetic, HostileVocabulariesAreHandled) {
    std::mt19937 rng(2026);
    auto random_string = [&](size_t max_len) {
        std::string s(rng() % (max_len + 1), '\0');
        for (char& c : s) c = static_cast<char>(rng() % 4 == 0 ? rng() : 'a' + rng() % 4);
        return s;
    };
    for (int round = 0; round < 150; ++round) {
        const size_t n = 1 + rng() % 300;
        std::vector<std::string> tokens(n), merges(rng() % 200);
        std::vector<int32_t> types(n);
        std::vector<float> scores(n);
        for (size_t i = 0; i < n; ++i) {
            tokens[i] = rng() % 5 == 0 ? "<0x" + std::to_string(rng() % 100) + ">" : random_string(6);
            types[i] = static_cast<int32_t>(rng() % 9) - 1;
            scores[i] = static_cast<float>(static_cast<int>(rng() % 200) - 100);
        }
        for (std::string& m : merges) m = random_string(3) + (rng() % 3 ? " " : "") + random_string(3);
        hearth::gguf::Writer w;
        w.add_string("tokenizer.ggml.model", round % 2 ? "llama" : "gpt2");
        w.add_string("tokenizer.ggml.pre", round % 4 == 0 ? "qwen2" : "llama-bpe");
        w.add_string_array("tokenizer.ggml.tokens", tokens);
        w.add_i32_array("tokenizer.ggml.token_type", types);
        w.add_f32_array("tokenizer.ggml.scores", scores);
        if (round % 3) w.add_string_array("tokenizer.ggml.merges", merges);
        w.add_u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(rng() % (2 * n)));
        w.add_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(rng() % (2 * n)));
        w.add_bool("tokenizer.ggml.add_bos_token", rng() % 2);
        w.add_bool("tokenizer.ggml.add_eos_token", rng() % 2);
        const auto bytes = w.to_bytes();
        const auto file = hearth::gguf::File::from_memory(bytes, "hostile.gguf");
        try {
            const auto tok = hearth::Tokenizer::from_gguf(file);
            for (int k = 0; k < 5; ++k) {
                const std::string text = random_string(200);
                const auto ids = tok.encode(text, k % 2 == 0, k % 3 == 0);
                for (TokenId id : ids) ASSERT_TRUE(id >= 0 && static_cast<size_t>(id) < tok.n_vocab());
                (void)tok.decode(ids, true);
                hearth::StreamDecoder stream(tok);
                for (TokenId id : ids) (void)stream.push(id);
                (void)stream.flush();
            }
        } catch (const hearth::Error&) {
            // A clean refusal is fine (e.g. gpt2 without merges).
        }
    }
}

}  // namespace
