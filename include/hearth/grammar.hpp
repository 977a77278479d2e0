// Constrained decoding: a Grammar limits generation to the strings of a context-free language,
// written in GBNF (llama.cpp's grammar format) or derived from a JSON Schema. At each step only
// tokens that keep the output a valid prefix are sampled, and generation cannot end before the
// grammar accepts. A Grammar is immutable and cheap to copy (its rules are shared).
//
//     GenerateOptions gen;
//     gen.grammar = Grammar::from_json_schema(R"({"type": "object", "properties": {...}})");
//     session.generate(prompt, gen);   // the text parses as the schema says
//
// GBNF in short: rules `name ::= alternatives`, alternatives separated by `|`; items are
// "literals" (\n \t \r \\ \" \xHH \uHHHH \UHHHHHHHH escapes), character classes [a-z0-9_] and
// [^"\\], `.` (any character), rule names, ( groups ), and the repetitions * + ? {m} {m,} {m,n};
// `#` starts a comment. Generation starts at the rule `root`.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace hearth {

class Grammar {
public:
    // Parses GBNF. Throws Error(invalid_argument) naming the line and column of a syntax error,
    // an undefined rule, a missing root, or left recursion (a rule that can reach itself without
    // consuming a character).
    static Grammar from_gbnf(std::string_view gbnf);
    // The grammar of the JSON texts a JSON Schema (draft 2020-12 subset) accepts, with bounded
    // whitespace and number lengths so that constrained output always terminates. Throws
    // Error(invalid_argument) for invalid JSON and for keywords it cannot honour (naming them).
    static Grammar from_json_schema(std::string_view schema_json);
    // The same JSON between two literal texts: prefix + JSON + suffix, for output formats that
    // wrap a JSON value, like a tool call ("<tool_call>\n" ... "\n</tool_call>"). Empty texts
    // add nothing.
    static Grammar from_json_schema(std::string_view schema_json, std::string_view prefix, std::string_view suffix);
    // Any JSON object (what OpenAI's response_format json_object and Ollama's "json" promise).
    static Grammar json_object();

    // Whether the whole of text is in the language (text as UTF-8).
    bool matches(std::string_view text) const;
    // The GBNF the grammar was built from (for JSON Schemas: the generated rules).
    const std::string& gbnf() const noexcept;

    struct Rules;  // internal (src/grammar/rules.hpp)
    const Rules& rules() const noexcept { return *rules_; }

private:
    explicit Grammar(std::shared_ptr<const Rules> rules);
    std::shared_ptr<const Rules> rules_;
};

}  // namespace hearth
