// GBNF grammars: parsing (and its error messages), and which texts a grammar matches.
#include <gtest/gtest.h>

#include <string>

#include "hearth/error.hpp"
#include "hearth/grammar.hpp"

namespace hearth {
namespace {

std::string error_of(std::string_view gbnf) {
    try {
        Grammar::from_gbnf(gbnf);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        return e.what();
    }
    return "(accepted)";
}

constexpr const char* kArithmetic = R"gbnf(
# integer arithmetic with precedence, spaces allowed around operators
root   ::= expr
expr   ::= term (ws [-+] ws term)*
term   ::= factor (ws [*/] ws factor)*
factor ::= number | "(" ws expr ws ")" | "-" factor
number ::= [0-9]+
ws     ::= " "?

)gbnf";

TEST(Grammar, ArithmeticExpressions) {
    const Grammar g = Grammar::from_gbnf(kArithmetic);
    for (const char* ok : {"1", "12+3", "1 + 2 * 3", "(1+2)*3", "-(4 / 2) - -1", "((((7))))", "10*(2 - 3)"})
        EXPECT_TRUE(g.matches(ok)) << ok;
    for (const char* bad : {"", "+1", "1+", "(1", "1)", "1  + 2", "a", "1+2 ", "()"}) EXPECT_FALSE(g.matches(bad)) << bad;
}

// A small language: statements of assignments and prints, with keywords and identifiers.
TEST(Grammar, SmallLanguageWithKeywords) {
    const Grammar g = Grammar::from_gbnf(R"gbnf(
root  ::= stmt (";" ws stmt)* ";"?
stmt  ::= "let " ident " = " value | "print " value
value ::= ident | [0-9]+ | "\"" [^"\\\n]* "\""
ident ::= [a-z_] [a-z_0-9]*
ws    ::= [ \t\n]*
)gbnf");
    EXPECT_TRUE(g.matches("let x = 1; print x"));
    EXPECT_TRUE(g.matches("let name = \"hé llo\";\n\tprint name;"));
    EXPECT_FALSE(g.matches("let 1x = 2"));
    EXPECT_FALSE(g.matches("print \"unterminated"));
    EXPECT_FALSE(g.matches("let x=1"));
}

TEST(Grammar, RepetitionCounts) {
    const Grammar g = Grammar::from_gbnf("root ::= \"a\"{2,4} \"b\"{3} \"c\"{1,} \"d\"{0,1} (\"ef\"){2}");
    EXPECT_TRUE(g.matches("aabbbcefef"));
    EXPECT_TRUE(g.matches("aaaabbbcccdefef"));
    EXPECT_FALSE(g.matches("abbbcefef"));     // one a
    EXPECT_FALSE(g.matches("aaaaabbbcefef"));  // five a
    EXPECT_FALSE(g.matches("aabbcefef"));      // two b
    EXPECT_FALSE(g.matches("aabbbefef"));      // no c
    EXPECT_FALSE(g.matches("aabbbcddefef"));   // two d
    EXPECT_FALSE(g.matches("aabbbcef"));       // one ef
}

TEST(Grammar, CharacterClassesEscapesAndUnicode) {
    const Grammar g = Grammar::from_gbnf(R"gbnf(root ::= [^a-z\x00-\x1F] [\u00e9\-] "\u4e2d\U0001F600" . [\]x])gbnf");
    EXPECT_TRUE(g.matches("Aé中😀?]"));
    EXPECT_TRUE(g.matches("\u00ff-中😀\nx"));
    EXPECT_FALSE(g.matches("aé中😀?]"));  // a-z refused
    EXPECT_FALSE(g.matches("\x01é中😀?]"));
    EXPECT_FALSE(g.matches("Aé中😀?y"));
    // Strict UTF-8 only: an overlong encoding or a lone continuation byte is not a character.
    const Grammar any = Grammar::from_gbnf("root ::= .*");
    EXPECT_TRUE(any.matches("plain ✓ text 😀"));
    EXPECT_FALSE(any.matches("\xC0\xAF"));
    EXPECT_FALSE(any.matches("\x80"));
    EXPECT_FALSE(any.matches("\xED\xA0\x80"));  // a surrogate
    EXPECT_FALSE(any.matches("\xE4\xB8"));      // cut short
}

TEST(Grammar, RulesMayBeUsedBeforeDefinedAndContinueWithBars) {
    const Grammar g = Grammar::from_gbnf("root ::= greeting \" \" name\ngreeting ::= \"hi\"\n  | \"hello\"\nname ::= [A-Z] [a-z]*\n");
    EXPECT_TRUE(g.matches("hello Ann"));
    EXPECT_TRUE(g.matches("hi Bo"));
    EXPECT_FALSE(g.matches("hey Bo"));
}

TEST(Grammar, MistakesNameLineAndColumn) {
    EXPECT_NE(error_of("expr ::= \"1\"").find("no rule 'root'"), std::string::npos);
    EXPECT_NE(error_of("root ::= item\n").find("rule 'item' is used but not defined"), std::string::npos);
    EXPECT_NE(error_of("root ::= \"a\"\nroot ::= \"b\"").find("line 2, column 1: rule 'root' is defined twice"), std::string::npos);
    EXPECT_NE(error_of("root ::= \"abc").find("unterminated string literal"), std::string::npos);
    EXPECT_NE(error_of("root ::= [a-").find("line 1"), std::string::npos);
    EXPECT_NE(error_of("root ::= (\"a\"").find("expected ')'"), std::string::npos);
    EXPECT_NE(error_of("root = \"a\"").find("expected '::='"), std::string::npos);
    EXPECT_NE(error_of("root ::= \"\\q\"").find("unknown escape"), std::string::npos);
    EXPECT_NE(error_of("root ::= \"a\"{3,2}").find("n < m"), std::string::npos);
    EXPECT_NE(error_of("root ::= \"a\"{99999}").find("repetition count"), std::string::npos);
    EXPECT_NE(error_of("root ::= [z-a]").find("backwards"), std::string::npos);
    EXPECT_NE(error_of("root ::= @").find("unexpected '@'"), std::string::npos);
}

TEST(Grammar, LeftRecursionIsRefused) {
    EXPECT_NE(error_of("root ::= root \"a\" | \"a\"").find("'root' is left-recursive"), std::string::npos);
    EXPECT_NE(error_of("root ::= a\na ::= b \"x\"\nb ::= \"\" | a").find("left-recursive"), std::string::npos);
    EXPECT_NE(error_of("root ::= (\"\")* \"x\"").find("left-recursive"), std::string::npos);
    EXPECT_EQ(error_of("root ::= \"a\" root | \"a\""), "(accepted)");  // right recursion is fine
}

TEST(Grammar, DeepNestingDoesNotGrowWithRepetitions) {
    const Grammar g = Grammar::from_gbnf("root ::= \"[\" (root (\",\" root)*)? \"]\"");
    std::string deep(200, '[');
    deep += std::string(200, ']');
    EXPECT_TRUE(g.matches(deep));
    std::string wide = "[";
    for (int i = 0; i < 5000; ++i) wide += i ? ",[]" : "[]";
    wide += "]";
    EXPECT_TRUE(g.matches(wide));
    EXPECT_FALSE(g.matches(deep + "]"));
}

TEST(Grammar, KeepsItsSource) {
    const Grammar g = Grammar::from_gbnf("root ::= \"x\"");
    const Grammar copy = g;  // cheap: the rules are shared
    EXPECT_EQ(copy.gbnf(), "root ::= \"x\"");
    EXPECT_TRUE(copy.matches("x"));
}

}  // namespace
}  // namespace hearth
