// add_hf_tokenizer on small hand-written tokenizer.json files: types, padding, merges spellings,
// gguf-py's special-token rules, chat templates, and clear errors for bad or unsupported input.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "convert/hf_tokenizer.hpp"
#include "hearth/error.hpp"
#include "hearth/gguf.hpp"
#include "hearth/gguf_writer.hpp"
#include "hearth/tokenizer.hpp"
#include "hf_dir_support.hpp"

namespace {

using hearth::ErrorCode;
using hearth::TokenType;
using json = nlohmann::json;
namespace fs = std::filesystem;
namespace gguf = hearth::gguf;
namespace ht = hearth::test;

constexpr const char* kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// A byte-level BPE in the Llama 3 layout: 4 pieces, one merge, three added tokens.
json byte_level() {
    return {
        {"added_tokens", {{{"id", 4}, {"content", "<|begin|>"}, {"special", true}},
                          {{"id", 5}, {"content", "<|end|>"}, {"special", true}},
                          {{"id", 6}, {"content", "<think>"}, {"special", false}}}},
        {"pre_tokenizer", {{"type", "Sequence"},
                           {"pretokenizers", {{{"type", "Split"}, {"pattern", {{"Regex", kLlama3Regex}}}, {"behavior", "Isolated"}},
                                              {{"type", "ByteLevel"}, {"use_regex", false}}}}}},
        {"decoder", {{"type", "ByteLevel"}}},
        {"model", {{"type", "BPE"}, {"ignore_merges", true}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}, {"\xC4\xA0", 3}}}, {"merges", {"a b"}}}},
    };
}

class HfTokenizerRules : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::path(::testing::TempDir()) / ("hf_rules_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void put(const std::string& name, const json& j) { ht::write_json(dir_ / name, j); }
    gguf::File convert(std::string_view arch = "llama") {
        gguf::Writer w;
        hearth::convert::add_hf_tokenizer(dir_, arch, w);
        w.write(dir_ / "out.gguf");
        return gguf::File::open(dir_ / "out.gguf");
    }
    // The message of the hearth::Error converting throws, checked to carry `code`.
    std::string failure(ErrorCode code) {
        try {
            convert();
        } catch (const hearth::Error& e) {
            EXPECT_EQ(e.code(), code) << e.what();
            return e.what();
        }
        ADD_FAILURE() << "converting did not fail";
        return {};
    }
    fs::path dir_;
};

std::vector<int64_t> ints(const gguf::File& f, const char* key) {
    const gguf::Value& v = f.get_array(key, gguf::ValueType::i32);
    std::vector<int64_t> out;
    for (uint64_t i = 0; i < v.array_size(); ++i) out.push_back(*v.int_at(i));
    return out;
}

std::vector<std::string> strings(const gguf::File& f, const char* key) {
    const auto s = f.get_array(key, gguf::ValueType::string).strings();
    return {s.begin(), s.end()};
}

TEST_F(HfTokenizerRules, ByteLevelVocabularyTypesAndPadding) {
    put("tokenizer.json", byte_level());
    put("config.json", {{"vocab_size", 9}});
    const gguf::File f = convert();
    EXPECT_EQ(f.get_string("tokenizer.ggml.model"), "gpt2");
    EXPECT_EQ(f.get_string("tokenizer.ggml.pre"), "llama-bpe");
    EXPECT_EQ(strings(f, "tokenizer.ggml.tokens"),
              (std::vector<std::string>{"a", "b", "ab", "\xC4\xA0", "<|begin|>", "<|end|>", "<think>", "[PAD7]", "[PAD8]"}));
    const auto n = int64_t(TokenType::normal), c = int64_t(TokenType::control), u = int64_t(TokenType::user_defined), p = int64_t(TokenType::unused);
    EXPECT_EQ(ints(f, "tokenizer.ggml.token_type"), (std::vector<int64_t>{n, n, n, n, c, c, u, p, p}));
    EXPECT_EQ(strings(f, "tokenizer.ggml.merges"), std::vector<std::string>{"a b"});
    EXPECT_EQ(f.find("tokenizer.ggml.scores"), nullptr);
}

TEST_F(HfTokenizerRules, PairMergesKeepSpacesAsU0120) {
    json t = byte_level();
    t["model"]["vocab"] = {{"a", 0}, {" ", 1}, {"a ", 2}, {"b", 3}};
    t["model"]["merges"] = json::array({json::array({"a", " "})});
    put("tokenizer.json", t);
    EXPECT_EQ(strings(convert(), "tokenizer.ggml.merges"), std::vector<std::string>{"a \xC4\xA0"});
}

TEST_F(HfTokenizerRules, SpecialTokensFromConfigsAndTemplate) {
    json t = byte_level();
    t["post_processor"] = {{"type", "TemplateProcessing"},
                           {"single", {{{"SpecialToken", {{"id", "<|begin|>"}}}}, {{"Sequence", {{"id", "A"}}}}}}};
    put("tokenizer.json", t);
    put("tokenizer_config.json", {{"bos_token", nullptr}, {"eos_token", {{"content", "<|end|>"}}}, {"add_eos_token", true}});
    put("config.json", {{"bos_token_id", 4}, {"eos_token_id", json::array({5, 6})}});
    const gguf::File f = convert();
    EXPECT_EQ(f.get_uint("tokenizer.ggml.bos_token_id"), 4u);  // config.json, since tokenizer_config has none
    EXPECT_EQ(f.get_uint("tokenizer.ggml.eos_token_id"), 5u);  // tokenizer_config's text, looked up among added_tokens
    // The template's leading token is not tokenizer_config's (null) BOS: no "add BOS" from it.
    EXPECT_EQ(f.get_bool("tokenizer.ggml.add_bos_token"), false);
    EXPECT_EQ(f.get_bool("tokenizer.ggml.add_eos_token"), true);
}

TEST_F(HfTokenizerRules, TemplateEndingInAnotherTokenMakesItEosAndTheConfiguredOneEot) {
    json t = byte_level();
    t["post_processor"] = {{"type", "TemplateProcessing"},
                           {"single", {{{"SpecialToken", {{"id", "<|begin|>"}}}}, {{"Sequence", {{"id", "A"}}}}, {{"SpecialToken", {{"id", "<|end|>"}}}}}}};
    put("tokenizer.json", t);
    put("tokenizer_config.json", {{"bos_token", "<|begin|>"}, {"eos_token", "<think>"}});
    const gguf::File f = convert();
    EXPECT_EQ(f.get_uint("tokenizer.ggml.eos_token_id"), 5u);
    EXPECT_EQ(f.get_uint("tokenizer.ggml.eot_token_id"), 6u);
    EXPECT_TRUE(f.get_bool("tokenizer.ggml.add_bos_token"));
    EXPECT_TRUE(f.get_bool("tokenizer.ggml.add_eos_token"));
}

TEST_F(HfTokenizerRules, NamedChatTemplates) {
    put("tokenizer.json", byte_level());
    put("tokenizer_config.json", {{"chat_template", {{{"name", "default"}, {"template", "D"}}, {{"name", "tool use"}, {"template", "T"}}}}});
    const gguf::File f = convert();
    EXPECT_EQ(f.get_string("tokenizer.chat_template"), "D");
    EXPECT_EQ(f.get_string("tokenizer.chat_template.tool_use"), "T");
    EXPECT_EQ(strings(f, "tokenizer.chat_templates"), std::vector<std::string>{"tool_use"});
}

TEST_F(HfTokenizerRules, ChatTemplateFromJinjaFile) {
    put("tokenizer.json", byte_level());
    std::ofstream(dir_ / "chat_template.jinja") << "{{ messages }}";
    EXPECT_EQ(convert().get_string("tokenizer.chat_template"), "{{ messages }}");
}

TEST_F(HfTokenizerRules, SentencePieceStyleScoresFollowMerges) {
    json t = {
        {"added_tokens", {{{"id", 0}, {"content", "<unk>"}, {"special", true}}, {{"id", 1}, {"content", "<s>"}, {"special", true}},
                          {{"id", 7}, {"content", "\xE2\x96\x81\xE2\x96\x81"}, {"special", false}}}},
        {"normalizer", {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}}},
        {"model", {{"type", "BPE"}, {"byte_fallback", true}, {"unk_token", "<unk>"},
                   {"vocab", {{"<unk>", 0}, {"<s>", 1}, {"<0x0A>", 2}, {"a", 3}, {"b", 4}, {"ab", 5}, {"ba", 6}, {"\xE2\x96\x81\xE2\x96\x81", 7}, {"\xE2\x96\x81", 8}}},
                   {"merges", {"b a", "a b", "\xE2\x96\x81 \xE2\x96\x81"}}}},
    };
    put("tokenizer.json", t);
    const gguf::File f = convert();
    EXPECT_EQ(f.get_string("tokenizer.ggml.model"), "llama");
    EXPECT_EQ(f.get_string("tokenizer.ggml.pre"), "default");
    const gguf::Value& s = f.get_array("tokenizer.ggml.scores", gguf::ValueType::f32);
    EXPECT_EQ(*s.float_at(6), 0.0);   // "ba": first merge
    EXPECT_EQ(*s.float_at(5), -1.0);  // "ab": second
    EXPECT_EQ(*s.float_at(3), 0.0);   // a single character is never merged into
    const auto n = int64_t(TokenType::normal);
    EXPECT_EQ(ints(f, "tokenizer.ggml.token_type"),
              (std::vector<int64_t>{int64_t(TokenType::unknown), int64_t(TokenType::control), int64_t(TokenType::byte), n, n, n, n,
                                    int64_t(TokenType::user_defined), n}));
    EXPECT_EQ(strings(f, "tokenizer.ggml.tokens")[7], "  ");  // user-defined "▁" become spaces, as llama.cpp writes them
    EXPECT_EQ(f.get_bool("tokenizer.ggml.add_space_prefix"), false);  // no Prepend normalizer
}

TEST_F(HfTokenizerRules, MissingTokenizerJsonNamesThePath) {
    EXPECT_NE(failure(ErrorCode::io).find("tokenizer.json"), std::string::npos);
}

TEST_F(HfTokenizerRules, InvalidJsonNamesTheFile) {
    std::ofstream(dir_ / "tokenizer.json") << "{\"model\": ";
    EXPECT_NE(failure(ErrorCode::invalid_file).find("tokenizer.json"), std::string::npos);
}

TEST_F(HfTokenizerRules, UnigramIsUnsupported) {
    put("tokenizer.json", {{"model", {{"type", "Unigram"}, {"vocab", json::array()}}}});
    EXPECT_NE(failure(ErrorCode::unsupported).find("Unigram"), std::string::npos);
}

TEST_F(HfTokenizerRules, LowercasingNormalizerIsUnsupported) {
    json t = byte_level();
    t["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFC"}}, {{"type", "Lowercase"}}}}};
    put("tokenizer.json", t);
    EXPECT_NE(failure(ErrorCode::unsupported).find("lowercasing"), std::string::npos);
}

TEST_F(HfTokenizerRules, IdBeyondConfigVocabSize) {
    put("tokenizer.json", byte_level());
    put("config.json", {{"vocab_size", 6}});
    const std::string msg = failure(ErrorCode::invalid_file);
    EXPECT_NE(msg.find("added_tokens[2].id = 6"), std::string::npos) << msg;
    EXPECT_NE(msg.find("vocab_size"), std::string::npos) << msg;
}

TEST_F(HfTokenizerRules, DuplicateTokenText) {
    json t = byte_level();
    t["added_tokens"].push_back({{"id", 7}, {"content", "<think>"}});
    put("tokenizer.json", t);
    EXPECT_NE(failure(ErrorCode::invalid_file).find("appears twice"), std::string::npos);
}

TEST_F(HfTokenizerRules, TwoTokensForOneId) {
    json t = byte_level();
    t["model"]["vocab"]["c"] = 1;
    put("tokenizer.json", t);
    EXPECT_NE(failure(ErrorCode::invalid_file).find("id 1 is given twice"), std::string::npos);
}

TEST_F(HfTokenizerRules, MergeOfUnknownPiece) {
    json t = byte_level();
    t["model"]["merges"] = {"a c"};
    put("tokenizer.json", t);
    EXPECT_NE(failure(ErrorCode::invalid_file).find("model.merges[0]"), std::string::npos);
}

TEST_F(HfTokenizerRules, UnknownPreTokenizerIsRefused) {
    json t = byte_level();
    t["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\s+|\\w+";
    put("tokenizer.json", t);
    const std::string msg = failure(ErrorCode::unsupported);
    EXPECT_NE(msg.find("pre_tokenizer"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\\s+|\\w+"), std::string::npos) << msg;
}

TEST_F(HfTokenizerRules, SpecialIdOutsideVocabulary) {
    put("tokenizer.json", byte_level());
    put("config.json", {{"bos_token_id", 99}});
    EXPECT_NE(failure(ErrorCode::invalid_file).find("config.json: bos_token_id = 99"), std::string::npos);
}

}  // namespace
