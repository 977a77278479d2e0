// Tokenizer against llama.cpp's ids for every shared model (through the library and through
// `hearth tokenize --jsonl`), plus round trips, hostile input, metadata, streaming decode and
// the CLI's JSON escapes.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "hearth/gguf.hpp"
#include "hearth/tokenizer.hpp"
#include <nlohmann/json.hpp>
#include "test_support.hpp"
#include "tokenizer/unicode.hpp"

namespace {

using hearth::TokenId;
using hearth::Tokenizer;
namespace ht = hearth::test;

std::string stem_of(const std::string& file) { return file.substr(0, file.size() - 5); }

// The numbers of the JSON array that follows `"ids":` in a line (our output or a reference line).
std::vector<TokenId> ids_in(const std::string& line) {
    std::vector<TokenId> ids;
    size_t at = line.find("\"ids\":");
    if (at == std::string::npos) return {-999};
    at = line.find('[', at);
    const size_t end = line.find(']', at);
    for (size_t i = at + 1; i < end;) {
        while (i < end && (line[i] == ' ' || line[i] == ',')) ++i;
        if (i >= end) break;
        size_t used = 0;
        ids.push_back(std::stoi(line.substr(i), &used));
        i += used;
    }
    return ids;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    size_t at = 0;
    while (at < text.size()) {
        size_t nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        if (nl > at) out.push_back(text.substr(at, nl - at));
        at = nl + 1;
    }
    return out;
}

// Runs a shell command and returns what it printed; *status gets pclose's status.
std::string run_command(const std::string& cmd, int* status) {
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) {
        *status = -1;
        return {};
    }
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    *status = pclose(pipe);
    return out;
}

Tokenizer load(const std::string& file) { return Tokenizer::from_gguf(hearth::gguf::File::open(ht::model_path(file))); }

bool is_bpe_model(const std::string& file) { return file.find("llama3") != std::string::npos || file.find("qwen") != std::string::npos; }

class TokenizerReference : public ::testing::TestWithParam<std::string> {};

// The held-back check runs exactly this: reference lines into `hearth tokenize --jsonl`.
TEST_P(TokenizerReference, CliJsonlMatchesLlamaCpp) {
    const std::string file = GetParam();
    const auto model = ht::model_path(file);
    const auto ref = ht::reference_dir(stem_of(file)) / "tokenize.jsonl";
    HEARTH_REQUIRE_FILE(model);
    HEARTH_REQUIRE_FILE(ref);
    if (ht::cli_path().empty()) GTEST_SKIP() << "hearth CLI not built";
    const std::string cmd = ht::cli_path() + " tokenize -m '" + model.string() + "' --jsonl < '" + ref.string() + "'";
    int status = 0;
    const std::string out = run_command(cmd, &status);
    EXPECT_EQ(status, 0);
    const auto expected = lines_of(ht::read_text(ref));
    const auto got = lines_of(out);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(ids_in(got[i]), ids_in(expected[i])) << "line " << i + 1 << ": " << expected[i];
}

// Byte-level BPE is lossless: decoding llama.cpp's ids (specials rendered) gives back the
// reference text, which must encode to the same ids.
TEST_P(TokenizerReference, LibraryReencodesReferenceIds) {
    const std::string file = GetParam();
    const auto ref = ht::reference_dir(stem_of(file)) / "tokenize.jsonl";
    HEARTH_REQUIRE_FILE(ht::model_path(file));
    HEARTH_REQUIRE_FILE(ref);
    if (!is_bpe_model(file)) GTEST_SKIP() << "SentencePiece decode is not lossless; covered by the CLI test";
    const Tokenizer tok = load(file);
    for (const std::string& line : lines_of(ht::read_text(ref))) {
        const bool parse_special = line.find("\"parse_special\":true") != std::string::npos;
        const std::vector<TokenId> ids = ids_in(line);
        const std::string text = tok.decode(ids, true);
        EXPECT_EQ(tok.encode(text, false, parse_special), ids) << line;
    }
}

// llama.cpp's greedy runs: the prompt ids (BOS as the model asks) and the text of the generated
// ids. Random-weight models emit odd tokens (byte pieces, control characters), a good decode test;
// the reference text went through JavaScript, so broken UTF-8 there is U+FFFD, which is what
// the stream decoder produces too.
TEST_P(TokenizerReference, GreedyPromptIdsAndDecodedText) {
    const std::string file = GetParam();
    const auto ref = ht::reference_dir(stem_of(file)) / "greedy.jsonl";
    HEARTH_REQUIRE_FILE(ht::model_path(file));
    HEARTH_REQUIRE_FILE(ref);
    const Tokenizer tok = load(file);
    auto to_ids = [](const nlohmann::json& array) { return array.get<std::vector<TokenId>>(); };
    for (const std::string& line : lines_of(ht::read_text(ref))) {
        const nlohmann::json v = nlohmann::json::parse(line);
        EXPECT_EQ(tok.encode(v["prompt"].get<std::string>(), true, false), to_ids(v["prompt_ids"])) << line;
        const std::vector<TokenId> ids = to_ids(v["ids"]);
        hearth::StreamDecoder stream(tok);
        std::string streamed;
        for (TokenId id : ids) streamed += stream.push(id);
        streamed += stream.flush();
        EXPECT_EQ(streamed, v["text"].get<std::string>()) << line;
    }
}

INSTANTIATE_TEST_SUITE_P(SharedModels, TokenizerReference, ::testing::ValuesIn(ht::shared_models()),
                         [](const auto& info) {
                             std::string name = stem_of(info.param);
                             for (char& c : name)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return name;
                         });

TEST(Tokenizer, Llama3KnownIdsAndMetadata) {
    HEARTH_REQUIRE_FILE(ht::model_path("tiny-llama3-q8_0.gguf"));
    const Tokenizer tok = load("tiny-llama3-q8_0.gguf");
    EXPECT_EQ(tok.model_kind(), "gpt2");
    EXPECT_EQ(tok.pre_tokenizer(), "llama-bpe");
    EXPECT_EQ(tok.n_vocab(), 128256u);
    EXPECT_EQ(tok.bos(), 128000);
    EXPECT_TRUE(tok.add_bos());
    EXPECT_FALSE(tok.add_eos());
    EXPECT_EQ(tok.encode("Hello world", true, false), (std::vector<TokenId>{128000, 9906, 1917}));
    EXPECT_EQ(tok.encode("Hello world", false, false), (std::vector<TokenId>{9906, 1917}));
    EXPECT_TRUE(tok.is_end_of_generation(tok.find_token("<|eot_id|>")));
    EXPECT_TRUE(tok.is_end_of_generation(tok.find_token("<|end_of_text|>")));
    EXPECT_FALSE(tok.is_end_of_generation(9906));
    EXPECT_EQ(tok.token_type(128009), hearth::TokenType::control);
    EXPECT_EQ(tok.token_text(9906), "Hello");
    EXPECT_EQ(tok.token_text(1917), "\xC4\xA0world");  // "Ġworld"
    EXPECT_EQ(tok.token_to_bytes(1917), " world");
    EXPECT_EQ(tok.token_to_bytes(128009), "");
    EXPECT_EQ(tok.token_to_bytes(128009, true), "<|eot_id|>");
    EXPECT_EQ(tok.find_token("no such token text"), -1);
    EXPECT_THROW(tok.token_to_bytes(-1), hearth::Error);
    EXPECT_THROW(tok.token_to_bytes(128256), hearth::Error);
}

TEST(Tokenizer, QwenUserDefinedAndFimTokens) {
    HEARTH_REQUIRE_FILE(ht::model_path("tiny-qwen3-q4_k_m.gguf"));
    const Tokenizer tok = load("tiny-qwen3-q4_k_m.gguf");
    EXPECT_FALSE(tok.add_bos());
    const TokenId think = tok.find_token("<think>");
    const TokenId fim = tok.find_token("<|fim_prefix|>");
    ASSERT_GE(think, 0);
    ASSERT_GE(fim, 0);
    // llama.cpp keeps <think> user-defined (split out even without parse_special) but turns
    // the FIM texts into control tokens.
    EXPECT_EQ(tok.token_type(think), hearth::TokenType::user_defined);
    EXPECT_EQ(tok.token_type(fim), hearth::TokenType::control);
    EXPECT_EQ(tok.encode("<think>", false, false), std::vector<TokenId>{think});
    EXPECT_NE(tok.encode("<|fim_prefix|>", false, false), std::vector<TokenId>{fim});
    EXPECT_EQ(tok.encode("<|fim_prefix|>", false, true), std::vector<TokenId>{fim});
    EXPECT_TRUE(tok.is_end_of_generation(tok.find_token("<|im_end|>")));
    EXPECT_TRUE(tok.is_end_of_generation(tok.find_token("<|endoftext|>")));
    EXPECT_EQ(tok.decode(tok.encode("<think>hi</think>", false, false)), "<think>hi</think>");
}

TEST(Tokenizer, SentencePieceSpacesAndBytes) {
    HEARTH_REQUIRE_FILE(ht::model_path("tiny-llama2-spm-q8_0.gguf"));
    const Tokenizer tok = load("tiny-llama2-spm-q8_0.gguf");
    EXPECT_EQ(tok.model_kind(), "llama");
    EXPECT_EQ(tok.encode("Hello world", true, false), (std::vector<TokenId>{1, 15043, 3186}));
    // A special token is followed by a fresh leading space, as in llama.cpp.
    EXPECT_EQ(tok.encode("<s> [INST]", false, true), (std::vector<TokenId>{1, 29871, 518, 25580, 29962}));
    // decode drops the space the encoder added in front of the first piece.
    EXPECT_EQ(tok.decode(tok.encode("Hello world", false, false)), "Hello world");
    // Characters outside the vocabulary fall back to <0xNN> byte tokens and decode back.
    const std::string text = "a \xF0\x9F\x98\x80 b";
    EXPECT_EQ(tok.decode(tok.encode(text, false, false)), text);
    EXPECT_EQ(tok.token_type(0), hearth::TokenType::unknown);
    EXPECT_TRUE(tok.is_end_of_generation(2));
}

// Seeded strings mixing ASCII, Latin-1, combining marks, CJK, emoji and whitespace kinds.
std::string random_text(std::mt19937& rng, size_t n_chars) {
    static const uint32_t kRanges[][2] = {{0x20, 0x7E}, {0x09, 0x0D}, {0xA0, 0x2FF}, {0x300, 0x36F}, {0x400, 0x4FF},
                                          {0x600, 0x6FF}, {0x900, 0x97F}, {0x3000, 0x30FF}, {0x4E00, 0x4FFF}, {0xAC00, 0xAC80},
                                          {0x1F300, 0x1F6FF}, {0x2000, 0x206F}, {0x30, 0x39}, {0x660, 0x669}};
    std::string s;
    for (size_t i = 0; i < n_chars; ++i) {
        const auto& r = kRanges[rng() % std::size(kRanges)];
        const uint32_t cp = r[0] + rng() % (r[1] - r[0] + 1);
        hearth::unicode::append_utf8(s, cp);
    }
    return s;
}

TEST(Tokenizer, BpeRoundTripOnValidUtf8) {
    for (const char* file : {"tiny-llama3-q8_0.gguf", "tiny-qwen2-q8_0.gguf"}) {
        HEARTH_REQUIRE_FILE(ht::model_path(file));
        const Tokenizer tok = load(file);
        std::mt19937 rng(1234);
        for (int i = 0; i < 200; ++i) {
            const std::string s = random_text(rng, 1 + rng() % 80);
            EXPECT_EQ(tok.decode(tok.encode(s, false, false)), s) << file;
            EXPECT_EQ(tok.decode(tok.encode(s, true, true)), s) << file;  // BOS renders as nothing
        }
    }
}

TEST(Tokenizer, HostileInputNeverCrashes) {
    std::mt19937 rng(99);
    std::string random_bytes(100'000, '\0');
    for (char& c : random_bytes) c = static_cast<char>(rng());
    const std::vector<std::string> inputs = {
        random_bytes,
        std::string(50'000, 'a'),
        std::string(50'000, ' '),
        std::string(50'000, '\n'),
        std::string(20'000, '7'),
        [] { std::string s; for (int i = 0; i < 20'000; ++i) s += "\xC3\xA9"; return s; }(),
        std::string("nul\0in\0the\0middle\0", 19),
        "lone surrogates \xED\xA0\x80 and \xED\xBF\xBF, overlong \xC0\xAF \xE0\x80\xAF, cut \xF0\x9F\x98",
        "\xF8\x88\x80\x80\x80 \xFF\xFE \xF4\x90\x80\x80 \xF7\xBF\xBF\xBF",
        "<|im_start|<|<|<|im_end|>>>><s><s",
    };
    // One file per distinct vocabulary keeps this fast under sanitizers.
    for (const std::string file : {"stories260K.gguf", "tiny-llama2-spm-q8_0.gguf", "tiny-llama3-q8_0.gguf", "tiny-qwen2-q8_0.gguf"}) {
        if (!std::filesystem::exists(ht::model_path(file))) continue;
        const Tokenizer tok = load(file);
        for (const std::string& in : inputs) {
            for (const bool special : {false, true}) {
                const std::vector<TokenId> ids = tok.encode(in, special, special);
                EXPECT_FALSE(in.size() > 10 && ids.empty()) << file;
                for (TokenId id : ids) ASSERT_TRUE(id >= 0 && static_cast<size_t>(id) < tok.n_vocab()) << file;
                if (is_bpe_model(file) && !special && in.size() < 150'000) {
                    // Byte-level BPE loses nothing but invalid bytes, which come back as U+FFFD.
                    EXPECT_GE(tok.decode(ids).size(), in.size() / 2) << file;
                }
            }
        }
    }
}

TEST(StreamDecoder, HoldsBackSplitCharacters) {
    HEARTH_REQUIRE_FILE(ht::model_path("stories260K.gguf"));
    const Tokenizer tok = load("stories260K.gguf");
    const std::string text = "Hi \xF0\x9F\x98\x80 caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC";
    const std::vector<TokenId> ids = tok.encode(text, true, false);
    ASSERT_GT(ids.size(), 8u);  // the emoji and CJK become byte tokens in this 512-token vocabulary
    hearth::StreamDecoder stream(tok);
    std::string joined;
    for (TokenId id : ids) {
        const std::string piece = stream.push(id);
        // Every piece is whole characters: no lead byte without all its continuation bytes.
        for (size_t i = 0; i < piece.size();) {
            const auto b = static_cast<unsigned char>(piece[i]);
            const size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
            ASSERT_LE(i + len, piece.size()) << "broken UTF-8 in a streamed piece";
            i += len;
        }
        joined += piece;
    }
    joined += stream.flush();
    EXPECT_EQ(joined, tok.decode(ids));
    // With BOS first, llama.cpp's detokenizer keeps the prefix space of the next piece.
    EXPECT_EQ(joined, " " + text);

    hearth::StreamDecoder bad(tok);
    const TokenId f0 = tok.find_token("<0xF0>");
    const TokenId ff = tok.find_token("<0xFF>");
    ASSERT_GE(f0, 0);
    EXPECT_EQ(bad.push(f0), "");
    EXPECT_EQ(bad.push(ff), "\xEF\xBF\xBD\xEF\xBF\xBD");  // F0 cut short, FF never valid
    EXPECT_EQ(bad.push(f0), "");
    EXPECT_EQ(bad.flush(), "\xEF\xBF\xBD");
}

// The CLI's JSON reader: escapes, surrogate pairs, lone surrogates (U+FFFD, as JavaScript and
// Python produce when they encode such a string), defaults, and bad lines answered in place.
TEST(TokenizerCli, JsonEscapesAndDefaults) {
    const auto model = ht::model_path("tiny-llama3-q8_0.gguf");
    HEARTH_REQUIRE_FILE(model);
    if (ht::cli_path().empty()) GTEST_SKIP() << "hearth CLI not built";
    const std::string input =
        R"({"text": "\ud83d\ude00 \u00e9\n\"q\"\\ \/"})" "\n"
        R"({"text": "a\ud800b", "parse_special": false})" "\n"
        R"({"text": "<|eot_id|>", "add_special": true})" "\n"
        R"({"text": 5})" "\n"
        R"({"text": "x", "ids": [1, 2]})" "\n";
    const std::string in_path = ::testing::TempDir() + "hearth_tokenize_in.jsonl";
    FILE* f = std::fopen(in_path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(input.data(), 1, input.size(), f);
    std::fclose(f);
    const std::string cmd = ht::cli_path() + " tokenize -m '" + model.string() + "' --jsonl < '" + in_path + "'";
    int status = 0;
    const std::string out = run_command(cmd, &status);
    EXPECT_NE(status, 0);  // the bad line makes the exit status 1

    const auto tok = Tokenizer::from_gguf(hearth::gguf::File::open(model));
    auto ids_json = [](const std::vector<TokenId>& ids) {
        std::string s = "{\"ids\": [";
        for (size_t i = 0; i < ids.size(); ++i) s += (i ? ", " : "") + std::to_string(ids[i]);
        return s + "]}\n";
    };
    std::string expected;
    expected += ids_json(tok.encode("\xF0\x9F\x98\x80 \xC3\xA9\n\"q\"\\ /", false, true));
    expected += ids_json(tok.encode("a\xEF\xBF\xBD" "b", false, false));
    expected += ids_json(tok.encode("<|eot_id|>", true, true));
    const size_t error_line = out.find("{\"error\"");
    ASSERT_NE(error_line, std::string::npos) << out;
    EXPECT_EQ(out.substr(0, expected.size()), expected);
    EXPECT_EQ(out.substr(out.find('\n', error_line) + 1), ids_json(tok.encode("x", false, true)));
}

// Every input line gets one output line: blank lines, missing or non-string "text", non-objects
// and malformed JSON get an error object in place; unknown fields, nested or not, are ignored.
TEST(TokenizerCli, EveryInputLineGetsOneOutputLine) {
    const auto model = ht::model_path("tiny-llama3-q8_0.gguf");
    HEARTH_REQUIRE_FILE(model);
    if (ht::cli_path().empty()) GTEST_SKIP() << "hearth CLI not built";
    const std::string input =
        R"({"text": "hi", "meta": {"source": [1, {"deep": null}]}, "ids": [[1], [2]]})" "\n"
        "\n"
        R"({"nottext": "hi"})" "\n"
        R"({"text": ["hi"]})" "\n"
        R"(["hi"])" "\n"
        R"({"text": "hi", "add_special": "yes"})" "\n"
        "{broken\n"
        R"({"text": "hi"})" "\n";
    const ht::CommandResult r = ht::run_command(ht::cli_path() + " tokenize -m " + ht::shell_quote(model.string()) + " --jsonl", input);
    EXPECT_EQ(r.status, 1);
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 8u) << r.out;
    const auto tok = Tokenizer::from_gguf(hearth::gguf::File::open(model));
    const auto hi = nlohmann::json{{"ids", tok.encode("hi", false, true)}};
    EXPECT_EQ(nlohmann::json::parse(lines[0]), hi);
    EXPECT_EQ(nlohmann::json::parse(lines[7]), hi);
    for (size_t i = 1; i < 7; ++i) {
        const nlohmann::json j = nlohmann::json::parse(lines[i]);
        EXPECT_TRUE(j.contains("error") && j["error"].is_string()) << "line " << i + 1 << ": " << lines[i];
    }
    auto error = [&](size_t i) { return nlohmann::json::parse(lines[i])["error"].get<std::string>(); };
    EXPECT_NE(error(2).find("\"text\" must be a string"), std::string::npos) << lines[2];
    EXPECT_NE(error(5).find("\"add_special\" must be true or false"), std::string::npos) << lines[5];
}

}  // namespace
