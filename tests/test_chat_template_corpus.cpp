// Templates whose output was produced by Python's Jinja2 3.1.6 configured as Hugging Face renders
// chat templates (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, tojson
// with ensure_ascii=False). hearth's interpreter must give the same text, byte for byte.
#include <gtest/gtest.h>

#include <vector>

#include "hearth/chat_template.hpp"
#include "llama31_template.hpp"

namespace hearth {
namespace {

struct Jinja2Case {
    const char* name;
    const char* source;
    const char* expected;
};

// Rendered with messages = system "S", user " U1 ", assistant "A1", user "U2";
// add_generation_prompt = true, bos_token "<s>", eos_token "</s>".
const std::vector<Jinja2Case> kCases = {
    {"000",
     R"J(a  {{- 'b' -}}  
 c)J",
     R"J(abc)J"},
    {"001",
     R"J(a
  {%- if true -%}
  b  {%- endif %})J",
     R"J(ab)J"},
    {"002",
     R"J({% if true %}
x
{% endif %}
y)J",
     R"J(x
y)J"},
    {"003",
     R"J(line
    {% if true %}
    in
    {% endif %}
end)J",
     R"J(line
    in
end)J"},
    {"004",
     R"J(a {% if true %}b{% endif %})J",
     R"J(a b)J"},
    {"005",
     R"J(  {%+ if true %}x{% endif +%}
)J",
     R"J(  x)J"},
    {"006",
     R"J({{ 'x' }}
{{ 'y' }})J",
     R"J(x
y)J"},
    {"007",
     R"J({# c #}
z)J",
     R"J(z)J"},
    {"008",
     R"J(  {# c #}  
z)J",
     R"J(  
z)J"},
    {"009",
     R"J({% raw %}{{ not evaluated }}{% endraw %})J",
     R"J({{ not evaluated }})J"},
    {"010",
     R"J({% raw %}
  x
{% endraw %}
)J",
     R"J(
  x
)J"},
    {"011",
     R"J(	{% if true %}	
{% endif %})J",
     R"J(	
)J"},
    {"012",
     R"J(x
  {% for m in messages %}
  - {{ m.role }}
  {% endfor %}
done
)J",
     R"J(x
  - system
  - user
  - assistant
  - user
done)J"},
    {"013",
     R"J({% for m in messages %}{{ loop.index }}{{ m.role[0] }}{% if not loop.last %},{% endif %}{% endfor %})J",
     R"J(1s,2u,3a,4u)J"},
    {"014",
     R"J({{ messages | map(attribute='role') | join(', ') }})J",
     R"J(system, user, assistant, user)J"},
    {"015",
     R"J({{ messages | selectattr('role', 'equalto', 'user') | list | length }})J",
     R"J(2)J"},
    {"016",
     R"J({{ messages[1].content | trim }}|{{ messages[1]['content'].strip() }})J",
     R"J(U1|U1)J"},
    {"017",
     R"J({{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 1e3 }} {{ 0.1 + 0.2 }} {{ 1/3 }})J",
     R"J(3.5 3 -4 2 1024 1000.0 0.30000000000000004 0.3333333333333333)J"},
    {"018",
     R"J({{ [1, 'a', none, true, 1.0, [2]] }} {{ {'k': 'v', 'n': {'x': [1]}} }} {{ False }})J",
     R"J([1, 'a', None, True, 1.0, [2]] {'k': 'v', 'n': {'x': [1]}} False)J"},
    {"019",
     R"J({{ {'b': 1, 'a': [true, none, 1.5, 'q"\n']} | tojson }})J",
     R"J({"b": 1, "a": [true, null, 1.5, "q\"\n"]})J"},
    {"020",
     R"J({{ {'k': [1, {'z': 2}]} | tojson(indent=2) }})J",
     R"J({
  "k": [
    1,
    {
      "z": 2
    }
  ]
})J"},
    {"021",
     R"J({{ 'é\u00e9' | tojson }})J",
     R"J("éé")J"},
    {"022",
     R"J({{ 'it\'s' }} {{ "say \"hi\"" }} {{ ['it\'s'] }} {{ ["a\"b"] }} {{ ['a\nb'] }})J",
     R"J(it's say "hi" ["it's"] ['a"b'] ['a\nb'])J"},
    {"023",
     R"J({{ 'a,b,,c'.split(',') }} {{ '  a  b '.split() }} {{ 'a-b-c'.split('-', 1) }} {{ ' a b '.split(None, 1) }})J",
     R"J(['a', 'b', '', 'c'] ['a', 'b'] ['a', 'b-c'] ['a', 'b '])J"},
    {"024",
     R"J({{ '<think>r</think>ans'.split('</think>')[-1] }} {{ 'x'.startswith(('a', 'x')) }})J",
     R"J(ans True)J"},
    {"026",
     R"J({{ range(3) | list }} {{ range(1, 7, 2) | list }} {{ range(3, 0, -1) | list }})J",
     R"J([0, 1, 2] [1, 3, 5] [3, 2, 1])J"},
    {"027",
     R"J({{ 'hello'[1:3] }} {{ 'abc'[::-1] }} {{ [1, 2, 3][-1] }} {{ [1, 2, 3][:-1] }} {{ [1,2,3,4][::2] }} {{ [1,2,3][5:] }})J",
     R"J(el cba 3 [1, 2] [1, 3] [])J"},
    {"028",
     R"J({% set ns = namespace(n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }})J",
     R"J(6)J"},
    {"029",
     R"J({% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }})J",
     R"J(1)J"},
    {"030",
     R"J({% for x in range(10) if x is odd %}{{ x }}{{ '/' ~ loop.length if loop.last }}{% endfor %})J",
     R"J(13579/5)J"},
    {"031",
     R"J({% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %})J",
     R"J(013)J"},
    {"032",
     R"J({% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %})J",
     R"J(a=1;b=2;)J"},
    {"033",
     R"J({% macro tag(name, open=true) %}<{{ '' if open else '/' }}{{ name }}>{% endmacro %}{{ tag('a') }}{{ tag('a', open=false) }})J",
     R"J(<a></a>)J"},
    {"034",
     R"J({% filter upper %}shout {{ 'this' }}{% endfilter %})J",
     R"J(SHOUT THIS)J"},
    {"035",
     R"J({{ 0 or 'x' }} {{ 1 and 'y' }} {{ '' and 'z' }}| {{ not 0 }} {{ none }} {{ undefined_thing }})J",
     R"J(x y | True None )J"},
    {"036",
     R"J({{ -3 | abs }} {{ 2.567 | round(2) }} {{ '42' | int + 1 }} {{ 'x' | int }} {{ 3.7 | int }} {{ '2.5' | float }})J",
     R"J(3 2.57 43 0 3 2.5)J"},
    {"037",
     R"J({{ 'hello world' | title }} {{ 'hELLO' | capitalize }} {{ 'a
b' | indent(2) }} {{ 'a
b' | indent(2, true) }})J",
     R"J(Hello World Hello a
  b   a
  b)J"},
    {"038",
     R"J({{ x | default('d') }} {{ '' | default('d') }} {{ '' | default('d', true) }} {{ none | default('n') }})J",
     R"J(d  d None)J"},
    {"039",
     R"J({{ [3,1,2] | sort }} {{ [3,1,2] | sort(reverse=true) }} {{ ['b','A','c'] | sort }} {{ [1,1,2] | unique | list }})J",
     R"J([1, 2, 3] [3, 2, 1] ['A', 'b', 'c'] [1, 2])J"},
    {"041",
     R"J({{ 1 is divisibleby 1 }}{{ 'a' is lower }}{{ 'A' is upper }}{{ none is none }}{{ [] is iterable }}{{ {} is mapping }}{{ 1 is number }}{{ 1.0 is float }}{{ 1 is integer }})J",
     R"J(TrueTrueTrueTrueTrueTrueTrueTrueTrue)J"},
    {"042",
     R"J({{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1,2] == [1,2] }} {{ [1,2] < [1,3] }} {{ 'ab' in 'cabd' }} {{ 1 in [1] }} {{ 'k' in {'k':1} }})J",
     R"J(True True True True True True True)J"},
    {"043",
     R"J({{ messages[0] }})J",
     R"J({'role': 'system', 'content': 'S'})J"},
    {"044",
     R"J({{ 'a' ~ 1 ~ 2.0 ~ none ~ true ~ [1] }})J",
     R"J(a12.0NoneTrue[1])J"},
    {"045",
     R"J({{ 1.5e300 * 1e300 }} {{ 10 / 4 }} {{ 2 ** -1 }} {{ 10 % 3.5 }} {{ 3.0 // 2 }})J",
     R"J(inf 2.5 0.5 3.0 1.0)J"},
    {"047",
     R"J({% set a, b = [1, 2] %}{{ b }}{{ a }})J",
     R"J(21)J"},
    {"048",
     R"J({% set block %}in {{ 'side' }}{% endset %}[{{ block }}])J",
     R"J([in side])J"},
    {"049",
     R"J({{ 'abc' | list }} {{ 'abc' | reverse }} {{ [1,2] | reverse | list }} {{ [1,2] | first }} {{ 'xyz' | last }})J",
     R"J(['a', 'b', 'c'] cba [2, 1] 1 z)J"},
    {"050",
     R"J({{ 'a b' | replace(' ', '') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 'ab'.replace('', '-') }})J",
     R"J(ab bba -a-b-)J"},
    {"051",
     R"J({{ messages | length }} {{ 'héllo' | length }} {{ {'a':1} | length }})J",
     R"J(4 5 1)J"},
    {"052",
     R"J({%- for m in messages -%}
  {{ m.role }}
{%- endfor -%})J",
     R"J(systemuserassistantuser)J"},
    {"053",
     R"J({% for m in messages %}
{% if m.role == 'user' %}
{{ m.content }}
{% endif %}
{% endfor %})J",
     R"J( U1 
U2
)J"},
    {"055",
     R"J({% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% else %}{% set loop_messages = messages %}{% endif %}{{ loop_messages | length }})J",
     R"J(3)J"},
    {"056",
     R"J({% for x in [] %}x{% else %}empty{% endfor %})J",
     R"J(empty)J"},
    {"057",
     R"J({{ 'x' if false }}|{{ 'a' if true else 'b' if true else 'c' }})J",
     R"J(|a)J"},
    {"059",
     R"J({{ '%s' }} {{ '{{' }} {{ '}}' }} {{ {'a': {'b': 1}} }})J",
     R"J(%s {{ }} {'a': {'b': 1}})J"},
    {"060",
     R"J({%- set x = 'a' -%}

  {{- x -}}  

  {%- if x -%} y {%- endif -%}
)J",
     R"J(ay)J"},
    {"061",
     R"J({{ loop }}{% for x in [1] %}{{ loop.depth }}{{ loop.revindex0 }}{% endfor %})J",
     R"J(10)J"},
    {"062",
     R"J({{ 'a'.upper() }}{{ 'AbC'.lower() }}{{ '  x'.lstrip() }}{{ 'x  '.rstrip() }}|{{ 'xxhixx'.strip('x') }})J",
     R"J(Aabcxx|hi)J"},
    {"063",
     R"J({{ ['a','b'] | join }} {{ [1,2] | join('-') }} {{ messages | map(attribute='role') | list }})J",
     R"J(ab 1-2 ['system', 'user', 'assistant', 'user'])J"},
    {"064",
     R"J({{ 9007199254740993 }} {{ 123456789012 * 1000 }} {{ 0.000001 }} {{ 1e-7 }} {{ 1e16 }} {{ 123456789.0 }} {{ 1e22 }})J",
     R"J(9007199254740993 123456789012000 1e-06 1e-07 1e+16 123456789.0 1e+22)J"},
    {"065",
     R"J({{ true }} {{ True }} {{ none }} {{ None }})J",
     R"J(True True None None)J"},
    {"066",
     R"J({{ [1,2,3] | select('odd') | list }} {{ [1,2,3] | reject('odd') | list }} {{ ['a','B'] | map('upper') | list }})J",
     R"J([1, 3] [2] ['A', 'B'])J"},
    {"067",
     R"J({{ messages | rejectattr('role', 'equalto', 'user') | map(attribute='content') | join('+') }})J",
     R"J(S+A1)J"},
    {"068",
     R"J({{ {'a': 1}.keys() | list }} {{ {'a': 1}.values() | list }})J",
     R"J(['a'] [1])J"},
    {"069",
     R"J({{ 'x' * 3 }} {{ 3 * 'y' }} {{ [1] + [2] }})J",
     R"J(xxx yyy [1, 2])J"},
    {"070",
     R"J({{ '  hi  ' | trim }}|{{ 'xxhixx' | trim('x') }})J",
     R"J(hi|hi)J"},
    {"071",
     R"J({{ 'a' is string }} {{ 1 is not string }} {{ x is defined }} {{ messages is defined }} {{ messages[0].zzz is defined }})J",
     R"J(True True False True False)J"},
    {"072",
     R"J({% for m in messages %}{{ m.role }}{{ '
' if not loop.last }}{% endfor %})J",
     R"J(system
user
assistant
user)J"},
    {"073",
     R"J({% if true %}   {% endif %}
  next)J",
     R"J(     next)J"},
    {"074",
     R"J(   {% if true %}
   kept
   {% endif %}   
)J",
     R"J(   kept
   )J"},
    {"075",
     R"J(a
{%- if true %}
b
{% endif -%}
c)J",
     R"J(ab
c)J"},
    {"076",
     R"J({#- comment -#}
   x)J",
     R"J(x)J"},
    {"077",
     R"J(x {#- comment #}
)J",
     R"J(x)J"},
    {"attrs",
     R"J({{ messages.0.role }} {{ messages[0].role|upper }} {{ (messages|first).content }} {{ (messages|last)['role'] }})J",
     R"J(system SYSTEM S user)J"},
    {"cmp",
     R"J({{ 1 < 2 < 3 }} {{ 3 > 2 > 1 }} {{ 1 == 1 == 1 }})J",
     R"J(True True True)J"},
    {"deepseek",
     R"J({% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='') %}{%- for message in messages %}{%- if message['role'] == 'system' %}{% set ns.system_prompt = message['content'] %}{%- endif %}{%- endfor %}{{bos_token}}{{ns.system_prompt}}{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}{%- endif %}{%- if message['role'] == 'assistant' and message['content'] is not none %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endfor -%}{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜><think>\n'}}{% endif %})J",
     R"J(<s>S<｜User｜> U1 <｜Assistant｜>A1<｜end▁of▁sentence｜><｜User｜>U2<｜Assistant｜><think>
)J"},
    {"ifexpr",
     R"J({{ 'y' if messages|length > 3 else 'n' }} {{ messages|length > 3 and 'big' or 'small' }})J",
     R"J(y big)J"},
    {"llama31",
     test::kLlama31,
     R"J(<s><|start_header_id|>system<|end_header_id|>

Cutting Knowledge Date: December 2023
Today Date: 26 Jul 2024

S<|eot_id|><|start_header_id|>user<|end_header_id|>

U1<|eot_id|><|start_header_id|>assistant<|end_header_id|>

A1<|eot_id|><|start_header_id|>user<|end_header_id|>

U2<|eot_id|><|start_header_id|>assistant<|end_header_id|>

)J"},
    {"loopcyc",
     R"J({% for i in range(5) %}{{ loop.cycle('odd', 'even') }} {% endfor %})J",
     R"J(odd even odd even odd )J"},
    {"mistral",
     R"J({%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
    {%- if message['role'] == 'user' %}
        {%- if loop.first and system_message is defined %}
            {{- ' [INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' }}
        {%- else %}
            {{- ' [INST] ' + message['content'] + ' [/INST]' }}
        {%- endif %}
    {%- elif message['role'] == 'assistant' %}
        {{- ' ' + message['content'] + eos_token}}
    {%- else %}
        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
    {%- endif %}
{%- endfor %}
)J",
     R"J(<s> [INST] S

 U1  [/INST] A1</s> [INST] U2 [/INST])J"},
    {"notin",
     R"J({% if 'tool' not in messages|map(attribute='role') %}no tools{% endif %})J",
     R"J(no tools)J"},
    {"nsdict",
     R"J({% set ns = namespace(items=[]) %}{% for m in messages %}{% set ns.items = ns.items + [m.role] %}{% endfor %}{{ ns.items|join(',') }})J",
     R"J(system,user,assistant,user)J"},
    {"nums",
     R"J({{ 1_000 if false else 7 }} {{ 0.5 }} {{ 2.0 * 3 }} {{ 10 // 3 * 3 }} {{ 2 ** 3 ** 2 }})J",
     R"J(7 0.5 6.0 9 64)J"},
    {"phi3",
     R"J({% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>
' + message['content'] + '<|end|>
'}}{% elif message['role'] == 'user' %}{{'<|user|>
' + message['content'] + '<|end|>
'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>
' + message['content'] + '<|end|>
'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>
' }}{% else %}{{ eos_token }}{% endif %})J",
     R"J(<|system|>
S<|end|>
<|user|>
 U1 <|end|>
<|assistant|>
A1<|end|>
<|user|>
U2<|end|>
<|assistant|>
)J"},
    {"s1",
     R"J({% for i in range(3) %}{% if i == 0 %}{% set x = 'a' %}{% endif %}[{{ x }}]{% endfor %})J",
     R"J([a][][])J"},
    {"s11",
     R"J({{ messages[0].content.upper() }} {{ messages[1]['content'] is string }})J",
     R"J(S True)J"},
    {"s12",
     R"J({{ 'abc' | first }} {{ '' | first }} {{ [] | last }})J",
     R"J(a  )J"},
    {"s13",
     R"J({{ 1 if true }} {{ [1,2,3] | join(', ') }} {{ (1, 2) | join }})J",
     R"J(1 1, 2, 3 12)J"},
    {"s14",
     R"J({% for x in [1,2,3] %}{{ loop.index }}{% if loop.index == 2 %}{% break %}{% endif %}{% else %}E{% endfor %})J",
     R"J(12)J"},
    {"s16",
     R"J({{ messages | first | attr('role') if false else 'ok' }})J",
     R"J(ok)J"},
    {"s17",
     R"J({% set a = [1,2] %}{% set b = a + [3] %}{{ a }}{{ b }})J",
     R"J([1, 2][1, 2, 3])J"},
    {"s2",
     R"J({% set x = 'outer' %}{% for i in [1] %}{{ x }}{% set x = 'inner' %}{{ x }}{% endfor %}{{ x }})J",
     R"J(outerinnerouter)J"},
    {"s20",
     R"J({{ {'a':1} == {'a':1} }} {{ [1] == [1.0] }} {{ none == none }} {{ true == 1 }})J",
     R"J(True True True True)J"},
    {"s22",
     R"J({{ raise_exception('x' ~ 1) if messages|length > 10 else 'fine' }})J",
     R"J(fine)J"},
    {"s23",
     R"J({{ 'a\nb'.splitlines() }} {{ 'Hello'.lower().startswith('he') }})J",
     R"J(['a', 'b'] True)J"},
    {"s24",
     R"J({%- for message in messages %}{%- if loop.index0 == 0 and message.role != 'system' %}X{% endif %}{{ loop.index0 }}{%- endfor %})J",
     R"J(0123)J"},
    {"s3",
     R"J({% set y = 5 %}{% macro m() %}{{ y }}{% endmacro %}{{ m() }})J",
     R"J(5)J"},
    {"s6",
     R"J({{ x | length }}{% for a in nothing %}x{% endfor %}{{ 'a' ~ nothing }})J",
     R"J(0a)J"},
    {"s9",
     R"J({% for m in messages %}{% set last = m.role %}{% endfor %}[{{ last }}])J",
     R"J([])J"},
    {"tojson2",
     R"J({{ messages|tojson }})J",
     R"J([{"role": "system", "content": "S"}, {"role": "user", "content": " U1 "}, {"role": "assistant", "content": "A1"}, {"role": "user", "content": "U2"}])J"},
    {"tojson3",
     R"J({{ {'a': 'x<y>&\'z'}|tojson }})J",
     R"J({"a": "x<y>&'z"})J"},
    {"ws1",
     R"J({%- raw %}  a {{ b }}  {% endraw -%}  
 x)J",
     R"J(  a {{ b }}  x)J"},
    {"ws2",
     R"J(line1
  {% if true %}
  two
  {% endif %}
end
)J",
     R"J(line1
  two
end)J"},
    {"ws3",
     R"J(  {{ 'expr at line start' }}
  {% if true %}x{% endif %}  tail)J",
     R"J(  expr at line start
x  tail)J"},
    {"ws4",
     R"J({% if true %}{% if true %}
  nested
{% endif %}{% endif %}
)J",
     R"J(  nested
)J"},
    {"ws5",
     R"J(a

{%- if true -%}

b

{%- endif -%}

c
)J",
     R"J(abc)J"},
    {"ws6",
     R"J({% for i in range(2) %}
    {{ i }}
{% endfor %}
)J",
     R"J(    0
    1
)J"},
    {"ws7",
     R"J({%- for m in messages %}
  {%- if m.role == 'user' %}
    U: {{ m.content }}
  {%- endif %}
{%- endfor %}
)J",
     R"J(    U:  U1     U: U2)J"},
    {"ws8",
     R"J({{- 'a' }}   {#- c -#}   {{ 'b' -}}   

   c)J",
     R"J(abc)J"},
    {"ws9",
     R"J(x{# c #}y
  {# only comment #}
z)J",
     R"J(xy
z)J"},
};

TEST(ChatTemplateJinja2Corpus, SameTextAsJinja2) {
    const std::vector<ChatMessage> messages = {{"system", "S"}, {"user", " U1 "}, {"assistant", "A1"}, {"user", "U2"}};
    for (const Jinja2Case& c : kCases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(ChatTemplate(c.source, "<s>", "</s>").render(messages, true), c.expected) << c.source;
    }
}

}  // namespace
}  // namespace hearth
