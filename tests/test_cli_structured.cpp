// Structured output from the command line: `hearth run --json-schema`, `--json`, `--grammar`.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hearth/grammar.hpp"
#include "test_support.hpp"

namespace hearth {
namespace {


class CliStructured : public test::CliTest {
protected:
    CliStructured() : CliTest("tiny-llama3-q4_0.gguf") {}
};

constexpr const char* kSchema =
    R"({"type": "object", "properties": {"name": {"type": "string", "maxLength": 10}, "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 3}}, "required": ["name", "age", "tags"], "additionalProperties": false})";

TEST_F(CliStructured, JsonSchemaFromFileOrInline) {
    const std::string options[] = {"--json-schema " + write_temp("person.json", kSchema), "--json-schema " + test::shell_quote(kSchema)};
    for (int seed = 1; seed <= 2; ++seed) {
        const auto r = hearth("run " + model + " 'A person:' --temp 1 -n 400 --seed " + std::to_string(seed) + " " + options[seed - 1]);
        ASSERT_EQ(r.status, 0) << r.err;
        EXPECT_NE(r.err.find("stop: end_of_generation"), std::string::npos) << r.err;
        const nlohmann::json v = nlohmann::json::parse(r.out);  // throws (fails the test) if not JSON
        ASSERT_TRUE(v["name"].is_string()) << r.out;
        const std::string name = v["name"];
        const auto characters = std::count_if(name.begin(), name.end(), [](char c) { return (c & 0xC0) != 0x80; });
        EXPECT_LE(characters, 10) << r.out;  // maxLength counts characters, not bytes
        EXPECT_TRUE(v["age"].is_number_integer() && v["age"] >= 0 && v["age"] <= 120) << r.out;
        EXPECT_TRUE(v["tags"].is_array() && v["tags"].size() <= 3) << r.out;
        EXPECT_EQ(v.size(), 3u) << r.out;
    }
}

TEST_F(CliStructured, GrammarFileConstrainsTheText) {
    const std::string grammar = write_temp("yesno.gbnf", "root ::= (\"yes\" | \"no\") \", because \" [a-z ]{1,20} \".\"\n");
    const auto r = hearth("run " + model + " 'Answer:' --temp 1 -n 100 --grammar " + grammar);
    ASSERT_EQ(r.status, 0) << r.err;
    std::string text = r.out;
    if (!text.empty() && text.back() == '\n') text.pop_back();  // run ends the output with a newline
    EXPECT_TRUE(Grammar::from_gbnf("root ::= (\"yes\" | \"no\") \", because \" [a-z ]{1,20} \".\"").matches(text)) << text;
}

TEST_F(CliStructured, JsonGivesAnObjectAndMistakesAreUsageErrors) {
    const auto r = hearth("run " + model + " 'Data:' --temp 0 -n 40 --json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.rfind("{", 0), 0u) << r.out;
    const std::vector<std::pair<std::string, std::string>> mistakes = {
        {"--grammar " + write_temp("bad.gbnf", "root ::= \"a\"\nitem ::= (\n"), "bad.gbnf: grammar line 3"},
        {"--grammar /nonexistent.gbnf", "/nonexistent.gbnf: cannot open"},
        {"--json-schema " + test::shell_quote(R"({"type": "object", "patternProperties": {}})"), "patternProperties"},
        {"--json-schema " + test::shell_quote("{not json"), "not valid JSON"},
        {"--json --grammar " + write_temp("ok.gbnf", "root ::= \"x\""), "give one of --grammar, --json-schema and --json"},
    };
    for (const auto& [args, message] : mistakes) {
        const auto bad = hearth("run " + model + " x " + args);
        EXPECT_EQ(bad.status, 2) << args << "\n" << bad.err;
        EXPECT_NE(bad.err.find(message), std::string::npos) << args << "\n" << bad.err;
    }
}

}  // namespace
}  // namespace hearth
