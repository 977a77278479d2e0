// Deterministic mutation loop over chat templates: whatever the bytes, constructing and
// rendering ends in a result or hearth::Error, never a crash, hang or other exception.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "hearth/chat_template.hpp"
#include "hearth/error.hpp"

namespace hearth {
namespace {

// Seeds: small templates that together use most of the syntax.
const std::vector<std::string> kSeeds = {
    "{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + m.content | trim + '<|im_end|>\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    "{% set ns = namespace(a=false, i=messages|length - 1) %}{% for m in messages[::-1] %}{% if m.role == 'user' %}"
    "{% set ns.a = true %}{% endif %}{% endfor %}{{ ns.a }}{{ ns.i }}",
    "{% macro f(x, y=2) %}[{{ x ~ y }}]{% endmacro %}{{ f(1) }}{{ f('a', y=[1, {'k': none}]) | upper }}",
    "{% if messages[0]['role'] == 'system' %}{{ raise_exception('no system') }}{% elif 1 < 2 < 3 %}ok{% endif %}",
    "{{ {'a': [1, 2.5, 'x\"'], 'b': true} | tojson(indent=2) }}{{ 'a,b'.split(',') | join('|') }}{# c #}",
    "{% for k, v in {'x': 1}.items() if v is number %}{{ loop.index }}{{ k }}{% else %}none{% endfor %}"
    "{% raw %}{{ raw }}{% endraw %}{{ range(3) | map('string') | list }}",
};

std::string mutate(std::string s, std::mt19937_64& rng) {
    static const std::string kAlphabet = "{}%#-+()[]'\":|.,~=<>!*/ \nabcfinorstxy0123456789_";
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
        const size_t pos = s.empty() ? 0 : rng() % s.size();
        const char c = kAlphabet[rng() % kAlphabet.size()];
        switch (rng() % 4) {
            case 0:
                if (!s.empty()) s[pos] = c;
                break;
            case 1: s.insert(s.begin() + static_cast<ptrdiff_t>(pos), c); break;
            case 2:
                if (!s.empty()) s.erase(pos, 1 + rng() % 3);
                break;
            default: {  // duplicate a slice: builds nesting and repeats
                const size_t len = std::min<size_t>(1 + rng() % 40, s.size() - pos);
                s.insert(pos, s.substr(pos, len));
            }
        }
    }
    return s;
}

TEST(ChatTemplateFuzz, MutatedTemplatesNeverCrash) {
    const std::vector<ChatMessage> messages = {{"system", "S"}, {"user", "U"}, {"assistant", "A"}, {"user", "V"}};
    std::mt19937_64 rng(20240601);
    int rendered = 0, rejected = 0;
    for (int i = 0; i < 3000; ++i) {
        const std::string src = mutate(kSeeds[static_cast<size_t>(i) % kSeeds.size()], rng);
        try {
            const ChatTemplate t(src, "<s>", "</s>");
            t.render(messages, i % 2 == 0);
            ++rendered;
        } catch (const Error& e) {
            ASSERT_EQ(e.code(), ErrorCode::invalid_argument) << src;
            ++rejected;
        } catch (const std::exception& e) {
            FAIL() << "unexpected exception '" << e.what() << "' for template: " << src;
        }
    }
    // Both outcomes must occur, or the mutations are too weak (or too strong) to test anything.
    EXPECT_GT(rendered, 100);
    EXPECT_GT(rejected, 100);
}

}  // namespace
}  // namespace hearth
