// Unit tests of the Jinja-subset interpreter behind ChatTemplate: syntax, whitespace control,
// control flow, scoping, operators, filters, tests, methods, errors and hostile templates.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hearth/chat_template.hpp"
#include "hearth/error.hpp"

namespace hearth {
namespace {

std::string render(const std::string& src, const std::vector<ChatMessage>& messages = {}, bool gen = false) {
    return ChatTemplate(src, "<s>", "</s>").render(messages, gen);
}

// The message of the hearth::Error the template throws ("" when it renders fine).
std::string error_of(const std::string& src) {
    try {
        render(src, {{"user", "hi"}});
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(ChatTemplateJinja, TextOutputAndComments) {
    EXPECT_EQ(render("plain text"), "plain text");
    EXPECT_EQ(render("a{# note #}b{{ 'c' }}"), "abc");
    EXPECT_EQ(render("{{ bos_token }}x{{ eos_token }}"), "<s>x</s>");
    EXPECT_EQ(render("[{{ undefined_name }}]"), "[]");
    EXPECT_EQ(render("{{ add_generation_prompt }}", {}, true), "True");
    EXPECT_EQ(render("{{ messages[0].role }}:{{ messages[0]['content'] }}", {{"user", "hey"}}), "user:hey");
}

TEST(ChatTemplateJinja, WhitespaceControl) {
    EXPECT_EQ(render("a  {{- 'b' -}}  \n c"), "abc");
    EXPECT_EQ(render("a\n  {%- if true -%}\n  b  {%- endif %}"), "ab");
    // trim_blocks: newline after a block tag goes; lstrip_blocks: indentation before one goes.
    EXPECT_EQ(render("{% if true %}\nx\n{% endif %}\ny"), "x\ny");
    EXPECT_EQ(render("line\n    {% if true %}\n    in\n    {% endif %}\nend"), "line\n    in\nend");
    EXPECT_EQ(render("a {% if true %}b{% endif %}"), "a b");                              // not at line start: kept
    EXPECT_EQ(render("  {%+ if true %}x{% endif +%}\ny"), "  x\ny");                      // + disables both
    EXPECT_EQ(render("x\n"), "x");                                                        // keep_trailing_newline=False
    EXPECT_EQ(render("a\r\n  {% if true %}\r\n  b\r\n  {% endif %}\r\nc"), "a\n  b\nc");  // CRLF -> LF
    EXPECT_EQ(render("{{ 'x' }}\n{{ 'y' }}"), "x\ny");                                    // expressions do not trim
    EXPECT_EQ(render("{# c #}\nz"), "z");
    EXPECT_EQ(render("{% raw %}{{ not evaluated }}{% endraw %}"), "{{ not evaluated }}");
}

TEST(ChatTemplateJinja, IfElifElse) {
    const std::string t = "{% if x == 1 %}one{% elif x == 2 %}two{% else %}many{% endif %}";
    EXPECT_EQ(render("{% set x = 1 %}" + t), "one");
    EXPECT_EQ(render("{% set x = 2 %}" + t), "two");
    EXPECT_EQ(render("{% set x = 7 %}" + t), "many");
    EXPECT_EQ(render("{% if [] or {} or '' or 0 or none %}t{% else %}f{% endif %}"), "f");
    EXPECT_EQ(render("{% if not nothing %}ok{% endif %}"), "ok");
}

TEST(ChatTemplateJinja, ForLoopsAndLoopVariable) {
    EXPECT_EQ(render("{% for x in [10, 20, 30] %}{{ loop.index0 }}{{ loop.index }}{{ loop.revindex }}"
                     "{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}{{ loop.length }},{% endfor %}"),
              "013F3,1223,231L3,");
    EXPECT_EQ(render("{% for x in [1, 2] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}"), "-2;1-;");
    EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
    EXPECT_EQ(render("{% for x in range(10) if x is odd %}{{ x }}{{ '/' ~ loop.length if loop.last }}{% endfor %}"),
              "13579/5");
    EXPECT_EQ(render("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}"
                     "{% endif %}{{ x }}{% endfor %}"),
              "013");
    EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"), "a=1;b=2;");
    EXPECT_EQ(render("{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}"), "ab");
    EXPECT_EQ(render("{% for c in 'hé!' %}[{{ c }}]{% endfor %}"), "[h][é][!]");
    EXPECT_EQ(render("{% for r in [[1, 2], [3]] %}{% for x in r %}{{ loop.index }}{% endfor %}{{ loop.index }};"
                     "{% endfor %}"),
              "121;12;");
    EXPECT_EQ(render("{% for x in range(3) %}{{ loop.cycle('a', 'b') }}{% endfor %}"), "aba");
    EXPECT_EQ(render("{% for m in messages %}{{ m.role }}{% endfor %}", {{"user", ""}, {"assistant", ""}}),
              "userassistant");
}

TEST(ChatTemplateJinja, SetScopingAndNamespace) {
    EXPECT_EQ(render("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}"), "1");
    EXPECT_EQ(render("{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}"), "2");
    EXPECT_EQ(render("{% set ns = namespace(found=false, n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}"
                     "{% if i == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }} {{ ns.n }}"),
              "True 6");
    EXPECT_EQ(render("{% set a, b = [1, 2] %}{{ b }}{{ a }}"), "21");
    EXPECT_EQ(render("{% set t = 1, 'x' %}{{ t }}"), "[1, 'x']");
    EXPECT_EQ(render("{% set block %}in {{ 'side' }}{% endset %}[{{ block }}]"), "[in side]");
    EXPECT_TRUE(contains(error_of("{% set d = {} %}{% set d.x = 1 %}"), "namespace"));
}

TEST(ChatTemplateJinja, MacrosAndFilterBlocks) {
    EXPECT_EQ(render("{% macro tag(name, open=true) %}<{{ '' if open else '/' }}{{ name }}>{% endmacro %}"
                     "{{ tag('a') }}{{ tag('a', open=false) }}{{ tag(name='b') }}"),
              "<a></a><b>");
    EXPECT_EQ(render("{% filter upper %}shout {{ 'this' }}{% endfilter %}"), "SHOUT THIS");
    EXPECT_EQ(render("{% generation %}kept{% endgeneration %}"), "kept");
}

TEST(ChatTemplateJinja, Operators) {
    EXPECT_EQ(
        render("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }}"),
        "7 9 3 -4 1 2 1024");
    EXPECT_EQ(render("{{ 7 / 2 }} {{ 1.5 + 1 }} {{ 4 / 2 }} {{ -(3) }} {{ 10 - 2 - 3 }}"), "3.5 2.5 2.0 -3 5");
    EXPECT_EQ(render("{{ 'a' + 'b' }} {{ 'n' ~ 1 ~ none }} {{ 'ab' * 3 }} {{ [1] + [2] }}"), "ab n1None ababab [1, 2]");
    EXPECT_EQ(render("{{ 1 < 2 }} {{ 'b' > 'a' }} {{ 2 >= 2.0 }} {{ 1 == 1.0 }} {{ 'a' != 'a' }}"),
              "True True True True False");
    EXPECT_EQ(render("{{ 'ell' in 'hello' }} {{ 3 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'abc' }}"),
              "True False True True");
    EXPECT_EQ(render("{{ 0 or 'x' }} {{ 1 and 'y' }} {{ '' and 'z' }}| {{ not 0 }}"), "x y | True");
    EXPECT_EQ(render("{{ 'yes' if 1 else 'no' }} {{ 'yes' if 0 else 'no' }} [{{ 'yes' if 0 }}]"), "yes no []");
    EXPECT_EQ(render("{{ messages | length - 1 }}", {{"a", ""}, {"b", ""}}), "1");  // filter binds tighter
    EXPECT_EQ(render("{{ 2 * 3 ~ 'x' }} {{ 1_000 + 1 }}"), "6x 1001");              // ~ sits between + and *
    EXPECT_TRUE(contains(error_of("{{ 1 + 2 ~ 3 }}"), "unsupported operand"));
    EXPECT_EQ(render("{{ true == 1 }} {{ false == 0.0 }} {{ true == 2 }} {{ 9007199254740993 == 9007199254740992 }}"),
              "True True False False");
    EXPECT_EQ(render("{{ 1 < 2 < 3 }} {{ 3 < 2 < 5 }} {{ 1 == 1 == 1 }} {{ (1 == 1) != (2 == 3) }}"),
              "True False True True");
    EXPECT_TRUE(contains(error_of("{{ 1 // 0 }}"), "zero"));
    EXPECT_TRUE(contains(error_of("{{ 'a' + 1 }}"), "unsupported operand"));
    EXPECT_TRUE(contains(error_of("{{ 9223372036854775807 + 1 }}"), "overflow"));
}

TEST(ChatTemplateJinja, Tests) {
    EXPECT_EQ(
        render("{{ x is defined }} {{ x is undefined }} {{ none is none }} {{ 'a' is string }} {{ 1 is number }}"),
        "False True True True True");
    EXPECT_EQ(render("{{ 1 is not string }} {{ 6 is divisibleby 3 }} {{ 5 is divisibleby(3) }} {{ 4 is even }}"),
              "True True False True");
    EXPECT_EQ(render("{{ 'a' is equalto 'a' }} {{ {} is mapping }} {{ [1] is iterable }} {{ true is true }}"),
              "True True True True");
    EXPECT_EQ(render("{{ messages[0].name is defined }}", {{"user", "x"}}), "False");
    EXPECT_EQ(render("{{ not x is defined }}"), "True");
    EXPECT_TRUE(contains(error_of("{{ 1 is frobnicated }}"), "unknown test 'frobnicated'"));
}

TEST(ChatTemplateJinja, Filters) {
    EXPECT_EQ(render("[{{ '  x y \n' | trim }}] {{ 'Ab' | upper }} {{ 'Ab' | lower }} {{ 'hello world' | title }}"),
              "[x y] AB ab Hello World");
    EXPECT_EQ(render("{{ 'héllo' | length }} {{ [1, 2] | length }} {{ {'a': 1} | count }} {{ 'ab' | capitalize }}"),
              "5 2 1 Ab");
    EXPECT_EQ(
        render("{{ x | default('d') }} {{ '' | default('d') }} {{ '' | default('d', true) }} {{ none | d('n') }}"),
        "d  d None");
    EXPECT_EQ(render("{{ [3, 1, 2] | first }} {{ [3, 1, 2] | last }} {{ [3, 1, 2] | sort | join(',') }} "
                     "{{ [1, 2] | reverse | list }} {{ 'abc' | reverse }}"),
              "3 2 1,2,3 [2, 1] cba");
    EXPECT_EQ(render("{{ 'a-b-c' | replace('-', '+') }} {{ [1, 1, 2] | unique | list }} {{ '42' | int + 1 }} "
                     "{{ 'x' | int }} {{ '2.5' | float }} {{ 2.567 | round(2) }} {{ -3 | abs }}"),
              "a+b+c [1, 2] 43 0 2.5 2.57 3");
    EXPECT_EQ(render("{{ {'b': 1, 'a': [true, none, 1.5, 'q\"\\n']} | tojson }}"),
              R"({"b": 1, "a": [true, null, 1.5, "q\"\n"]})");
    EXPECT_EQ(render("{{ {'k': [1]} | tojson(indent=2) }}"), "{\n  \"k\": [\n    1\n  ]\n}");
    EXPECT_EQ(render("{{ 'é' | tojson }}"), "\"é\"");  // ensure_ascii=False, as Hugging Face renders
    EXPECT_EQ(render("{% for k, v in {'x': 1} | items %}{{ k }}{{ v }}{% endfor %}{{ {'b': 2, 'a': 1} | dictsort }}"),
              "x1[['a', 1], ['b', 2]]");
    EXPECT_EQ(render("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join('+') }}",
                     {{"user", "a"}, {"assistant", "b"}, {"user", "c"}}),
              "a+c");
    EXPECT_EQ(render("{{ messages | rejectattr('role', 'equalto', 'user') | list | length }}",
                     {{"user", "a"}, {"assistant", "b"}}),
              "1");
    EXPECT_EQ(
        render("{{ ['a', 'b'] | map('upper') | join }} {{ [1, 2, 3] | select('odd') | list }} {{ [1, 2] | sum }}"),
        "AB [1, 3] 3");
    EXPECT_EQ(render("{{ 'a\nb' | indent(2) }}|{{ 'a\nb' | indent(2, true) }}"), "a\n  b|  a\n  b");
    EXPECT_EQ(render("{{ 3 | string ~ '!' }} {{ '<&>' | e }}"), "3! &lt;&amp;&gt;");
    EXPECT_TRUE(contains(error_of("{{ 1 | nosuchfilter }}"), "unknown filter 'nosuchfilter'"));
}

TEST(ChatTemplateJinja, Methods) {
    EXPECT_EQ(
        render("[{{ '\n x \n'.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '\n\nb'.lstrip('\n') }}|{{ 'c  '.rstrip() }}]"),
        "[x|a|b|c]");
    EXPECT_EQ(render("{{ 'hello'.startswith('he') }} {{ 'hello'.endswith('lo') }} {{ 'x'.startswith(('a', 'x')) }}"),
              "True True True");
    EXPECT_EQ(render("{{ 'a,b,,c'.split(',') }} {{ '  a  b '.split() }} {{ 'a-b-c'.split('-', 1) }}"),
              "['a', 'b', '', 'c'] ['a', 'b'] ['a', 'b-c']");
    EXPECT_EQ(render("{{ ' a b '.split(None, 1) }}"), "['a', 'b ']");
    EXPECT_EQ(
        render("{{ '<think>r</think>ans'.split('</think>')[-1] }} {{ 'ab'.upper() }} {{ 'a.b'.replace('.', '') }}"),
        "ans AB ab");
    EXPECT_EQ(render("{% set d = {'a': 1} %}{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 5) }} {{ d.keys() }} "
                     "{{ d.values() }} {{ d.items() }}"),
              "1 None 5 ['a'] [1] [['a', 1]]");
    EXPECT_EQ(render("{{ ', '.join(['a', 'b']) }} {{ 'banana'.count('an') }} {{ 'abc'.find('c') }}"), "a, b 2 2");
    EXPECT_TRUE(contains(error_of("{{ 'a'.nosuchmethod() }}"), "no method 'nosuchmethod'"));
}

TEST(ChatTemplateJinja, LiteralsSubscriptsAndPrinting) {
    EXPECT_EQ(render("{{ [1, 'a', none, true, 1.0, [2]] }} {{ {'k': 'v'} }} {{ False }} {{ 1e3 }} {{ 0.1 }}"),
              "[1, 'a', None, True, 1.0, [2]] {'k': 'v'} False 1000.0 0.1");
    EXPECT_EQ(render(R"({{ "tab\there" }}|{{ 'it\'s' }}|{{ "\u00e9" }}|{{ 'a' 'b' }})"), "tab\there|it's|é|ab");
    EXPECT_EQ(render("{{ [1, 2, 3][-1] }} {{ [1, 2, 3][1:] }} {{ [1, 2, 3][:-1] }} {{ [1, 2, 3, 4][::2] }} "
                     "{{ 'hello'[1:3] }} {{ 'abc'[::-1] }} [{{ [1][5] }}]"),
              "3 [2, 3] [1, 2] [1, 3] el cba []");
    EXPECT_EQ(render("{{ {'a': {'b': 'deep'}}.a.b }} {{ {'a': {'b': 'deep'}}['a']['b'] }} {{ [[1, 2]].0.1 }}"),
              "deep deep 2");
    EXPECT_EQ(render("{{ range(3) }} {{ range(1, 7, 2) }} {{ range(3, 0, -1) }}"), "[0, 1, 2] [1, 3, 5] [3, 2, 1]");
    EXPECT_EQ(render("{{ dict(a=1)['a'] }} {{ namespace(x=2).x }}"), "1 2");
    EXPECT_FALSE(render("{{ strftime_now('%Y') }}").empty());
}

TEST(ChatTemplateJinja, RaiseException) {
    const std::string msg = error_of(
        "{% if messages[0].role != 'system' %}{{ raise_exception('need a system') }}"
        "{% endif %}");
    EXPECT_TRUE(contains(msg, "need a system")) << msg;
    EXPECT_TRUE(contains(msg, "line 1")) << msg;
    EXPECT_TRUE(contains(error_of("{{ nothing() }}"), "'nothing' is undefined"));
}

// Syntax errors throw at construction and name the position.
std::string syntax_error(const std::string& src) {
    try {
        ChatTemplate t(src, "", "");
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
        return e.what();
    }
    ADD_FAILURE() << "no syntax error for: " << src;
    return "";
}

TEST(ChatTemplateJinja, SyntaxErrorsNamePosition) {
    EXPECT_TRUE(contains(syntax_error("ok\n{{ 1 + }}"), "line 2, col 8")) << syntax_error("ok\n{{ 1 + }}");
    EXPECT_TRUE(contains(syntax_error("{% if x %}no end"), "expected {% endif %}"));
    EXPECT_TRUE(contains(syntax_error("{% endfor %}"), "unexpected {% endfor %}"));
    EXPECT_TRUE(contains(syntax_error("a\n\n  {% frobnicate %}"), "line 3, col 6"));
    EXPECT_TRUE(contains(syntax_error("{{ 'open string }}"), "unterminated string"));
    EXPECT_TRUE(contains(syntax_error("{{ x "), "unterminated tag"));
    EXPECT_TRUE(contains(syntax_error("{# never closed"), "unterminated comment"));
    EXPECT_TRUE(contains(syntax_error("{{ a ! b }}"), "unexpected character"));
    EXPECT_TRUE(contains(syntax_error("{% for x in %}{% endfor %}"), "expected an expression"));
    EXPECT_TRUE(contains(syntax_error("{% if x %}{% else %}{% elif y %}{% endif %}"), "unexpected {% elif %}"));
    EXPECT_TRUE(contains(syntax_error("{{ [1, 2 }}"), "line 1"));
    EXPECT_TRUE(contains(syntax_error("{% raw %}never closed"), "unterminated {% raw %}"));
}

TEST(ChatTemplateJinja, HostileTemplatesEndInError) {
    // Deep nesting is refused by the parser rather than overflowing the stack.
    EXPECT_TRUE(contains(syntax_error("{{ " + std::string(100000, '(') + "1" + std::string(100000, ')') + " }}"),
                         "nested too deeply"));
    std::string ifs;
    for (int i = 0; i < 5000; ++i) ifs += "{% if true %}";
    EXPECT_TRUE(contains(syntax_error(ifs), "nested too deeply"));
    EXPECT_TRUE(contains(syntax_error("{{ " + std::string(50000, '-') + "1 }}"), "nested too deeply"));
    EXPECT_TRUE(
        contains(syntax_error("{{ " + std::string(50000, '[') + std::string(50000, ']') + " }}"), "nested too deeply"));
    EXPECT_TRUE(contains(syntax_error("{{ " + std::string(50000, '[') + " }}"), "unterminated tag"));
    // Unbounded work and memory end in a runtime error.
    EXPECT_TRUE(contains(error_of("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"),
                         "evaluation steps"));
    EXPECT_TRUE(contains(error_of("{{ range(1000000000) }}"), "range()"));
    EXPECT_TRUE(
        contains(error_of("{% for i in range(100000) %}{{ range(100000) | length }}{% endfor %}"), "evaluation steps"));
    EXPECT_TRUE(contains(error_of("{% set big = range(100000) %}{% for i in big %}{{ -1 in big }}{% endfor %}"),
                         "evaluation steps"));
    EXPECT_TRUE(contains(error_of("{% set ns = namespace(s='xxxxxxxx') %}{% for i in range(64) %}"
                                  "{% set ns.s = ns.s + ns.s %}{% endfor %}"),
                         "string larger"));
    EXPECT_TRUE(contains(error_of("{{ 'x' * 100000000000 }}"), "string larger"));
    EXPECT_TRUE(contains(error_of("{% for i in range(100000) %}{{ 'y' * 1000 }}{% endfor %}"), "output exceeded"));
    EXPECT_TRUE(contains(error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"), "macro calls nested"));
    EXPECT_TRUE(contains(error_of("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"), "nested too deeply"));
    EXPECT_TRUE(contains(error_of("{{ 2 ** 100 }}"), "overflow"));
    EXPECT_EQ(render("{{ 1 ** 100000000000 }} {{ (-1) ** 100000000001 }}"), "1 -1");
}

TEST(ChatTemplateJinja, TemplateIsReusableAndThreadSafeToShare) {
    const ChatTemplate t("{% for m in messages %}{{ m.content }}{% endfor %}", "", "");
    EXPECT_EQ(t.render(std::vector<ChatMessage>{{"user", "a"}}, false), "a");
    EXPECT_EQ(t.render(std::vector<ChatMessage>{{"user", "b"}, {"user", "c"}}, false), "bc");
    const ChatTemplate copy = t;
    EXPECT_EQ(copy.render(std::vector<ChatMessage>{{"user", "d"}}, true), "d");
}

}  // namespace
}  // namespace hearth
