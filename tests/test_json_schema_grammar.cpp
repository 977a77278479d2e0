// Grammar::from_json_schema and Grammar::json_object: valid instances match, invalid ones do not,
// numeric ranges are exact where the converter says so, and unsupported keywords are refused by
// name and place.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "grammar/json_schema_gbnf.hpp"
#include "hearth/error.hpp"
#include "hearth/grammar.hpp"

namespace {

using hearth::Grammar;

void expect_language(const Grammar& g, const std::vector<std::string>& accepted, const std::vector<std::string>& rejected) {
    for (const std::string& text : accepted) EXPECT_TRUE(g.matches(text)) << "should match: " << text << "\n" << g.gbnf();
    for (const std::string& text : rejected) EXPECT_FALSE(g.matches(text)) << "should not match: " << text << "\n" << g.gbnf();
}

void expect_schema(const char* schema, const std::vector<std::string>& accepted, const std::vector<std::string>& rejected) {
    SCOPED_TRACE(schema);
    expect_language(Grammar::from_json_schema(schema), accepted, rejected);
}

// The schema is refused with an Error(invalid_argument) whose message holds every fragment.
void expect_refused(const std::string& schema, const std::vector<std::string>& fragments) {
    SCOPED_TRACE(schema);
    try {
        Grammar::from_json_schema(schema);
        ADD_FAILURE() << "accepted: " << schema;
    } catch (const hearth::Error& e) {
        EXPECT_EQ(e.code(), hearth::ErrorCode::invalid_argument);
        for (const std::string& f : fragments) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what() << " lacks " << f;
    }
}

// ---- objects ------------------------------------------------------------------------------------

TEST(JsonSchemaGrammar, ObjectWithRequiredAndOptionalProperties) {
    expect_schema(R"({
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer", "minimum": 0, "maximum": 150},
            "nickname": {"type": "string"}
        },
        "required": ["name", "age"]
    })",
                  {R"({"name":"Ann","age":30})", R"({"name": "Ann", "age": 30, "nickname": "Annie"})",
                   "{\n  \"name\": \"Ann\",\n  \"age\": 0\n}", R"({ "name" : "" , "age" : 150 })"},
                  {R"({"name":"Ann"})", R"({"age":30})", R"({"name":"Ann","age":-1})", R"({"name":"Ann","age":151})",
                   R"({"name":"Ann","age":"30"})", R"({"name":1,"age":30})", R"({"name":"Ann","age":30,"extra":1})",
                   R"({"name":"Ann","age":30,})", R"({"name":"Ann","age":30)", R"([])", R"("x")", " {\"name\":\"Ann\",\"age\":30}"});
}

TEST(JsonSchemaGrammar, PropertiesComeInDeclaredOrder) {
    // Declared order, not key order: the schema's text must keep it (nlohmann::ordered_json).
    expect_schema(R"({"type": "object", "properties": {"zeta": {"type": "integer"}, "alpha": {"type": "integer"}},
                      "required": ["zeta", "alpha"]})",
                  {R"({"zeta":1,"alpha":2})"}, {R"({"alpha":2,"zeta":1})"});
}

TEST(JsonSchemaGrammar, OptionalPropertiesMayEachBeLeftOut) {
    expect_schema(R"({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}, "c": {"type": "integer"}}})",
                  {"{}", "{ }", R"({"a":1})", R"({"b":2})", R"({"c":3})", R"({"a":1,"c":3})", R"({"a":1,"b":2,"c":3})",
                   R"({"b":2,"c":3})"},
                  {R"({"d":4})", R"({,"a":1})", R"({"a":1,})", R"({"a":1,"a":1})", R"({"c":3,"a":1})"});
}

TEST(JsonSchemaGrammar, RequiredPropertyInTheMiddle) {
    expect_schema(R"({"properties": {"a": {"type": "boolean"}, "b": {"type": "null"}, "c": {"type": "boolean"}},
                      "required": ["b"]})",
                  {R"({"b":null})", R"({"a":true,"b":null})", R"({"b":null,"c":false})", R"({"a":false,"b":null,"c":true})"},
                  {"{}", R"({"a":true})", R"({"a":true,"c":false})", R"({"b":0})"});
}

TEST(JsonSchemaGrammar, ManyOptionalPropertiesUseTailRules) {
    // Past six properties the members after each one become rules of their own.
    std::string schema = R"({"type": "object", "properties": {)";
    for (int i = 0; i < 10; ++i) {
        if (i > 0) schema += ",";
        schema += "\"p" + std::to_string(i) + R"(": {"type": "integer"})";
    }
    schema += R"(}, "required": ["p3"]})";
    expect_schema(schema.c_str(),
                  {R"({"p3":3})", R"({"p0":0,"p3":3})", R"({"p2":2,"p3":3,"p9":9})",
                   R"({"p0":0,"p1":1,"p2":2,"p3":3,"p4":4,"p5":5,"p6":6,"p7":7,"p8":8,"p9":9})", R"({"p3":3,"p5":5,"p8":8})"},
                  {"{}", R"({"p4":4})", R"({"p3":3,"p2":2})", R"({"p3":3,"p10":10})", R"({"p3":3,"p9":9,"p8":8})"});
}

TEST(JsonSchemaGrammar, NestedObjectsAndRuleNamesFromPaths) {
    const char* schema = R"({
        "type": "object",
        "properties": {
            "person": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "maxLength": 8},
                    "address": {
                        "type": "object",
                        "properties": {"street": {"type": "string", "minLength": 1}, "zip": {"type": "string", "maxLength": 5}},
                        "required": ["street", "zip"],
                        "additionalProperties": false
                    }
                },
                "required": ["name", "address"]
            }
        },
        "required": ["person"]
    })";
    expect_schema(schema,
                  {R"({"person":{"name":"Bob","address":{"street":"Main St","zip":"12345"}}})",
                   "{\n  \"person\": {\n    \"name\": \"Bob\",\n    \"address\": {\n      \"street\": \"x\",\n      \"zip\": \"\"\n    }\n  }\n}"},
                  {R"({"person":{"name":"Bob"}})", R"({"person":{"name":"Bob","address":{"street":"","zip":"1"}}})",
                   R"({"person":{"name":"Bob","address":{"street":"x","zip":"123456"}}})",
                   R"({"person":{"name":"Bobby Tables","address":{"street":"x","zip":"1"}}})",
                   R"({"person":{"name":"Bob","address":{"street":"x","zip":"1","country":"US"}}})"});
    const std::string gbnf = Grammar::from_json_schema(schema).gbnf();
    EXPECT_EQ(gbnf.rfind("root ::= ", 0), 0u) << gbnf;
    EXPECT_NE(gbnf.find("\nperson ::= "), std::string::npos) << gbnf;
    EXPECT_NE(gbnf.find("\nperson-address ::= "), std::string::npos) << gbnf;
    EXPECT_NE(gbnf.find("\nperson-address-street ::= "), std::string::npos) << gbnf;
}

TEST(JsonSchemaGrammar, RuleNamesAreDeduplicatedAndAvoidSharedNames) {
    // Keys that sanitize alike, a key named like a shared rule, and keys that are numbers.
    const char* schema = R"({"properties": {
        "a b": {"type": "string", "maxLength": 1}, "a-b": {"type": "string", "maxLength": 2},
        "string": {"type": "string", "maxLength": 3}, "x": {"properties": {"1": {"type": "string", "maxLength": 4}}, "required": ["1"]}
    }, "required": ["a b", "a-b", "string", "x"]})";
    expect_schema(schema, {R"({"a b":"1","a-b":"12","string":"123","x":{"1":"1234"}})"},
                  {R"({"a b":"12","a-b":"12","string":"123","x":{"1":"1234"}})", R"({"a b":"1","a-b":"12","string":"1234","x":{"1":"1234"}})",
                   R"({"a b":"1","a-b":"12","string":"123","x":{"1":"12345"}})"});
}

TEST(JsonSchemaGrammar, KeysAreEscaped) {
    expect_schema(R"({"properties": {"say \"hi\"": {"type": "integer"}, "back\\slash": {"type": "integer"}, "tab\tnew\nline": {"type": "integer"},
                      "ключ": {"type": "integer"}}, "required": ["say \"hi\"", "back\\slash", "tab\tnew\nline", "ключ"]})",
                  {R"({"say \"hi\"":1,"back\\slash":2,"tab\tnew\nline":3,"ключ":4})"},
                  {R"({"say "hi"":1,"back\\slash":2,"tab\tnew\nline":3,"ключ":4})", R"({"say \"hi\"":1,"back\slash":2,"tab\tnew\nline":3,"ключ":4})"});
}

TEST(JsonSchemaGrammar, AdditionalPropertiesSchema) {
    // A map: any keys, values of one schema.
    expect_schema(R"({"type": "object", "additionalProperties": {"type": "integer"}})",
                  {"{}", R"({"a":1})", R"({"a":1,"b":-2,"":3})"}, {R"({"a":"x"})", R"({"a":1,"b":null})", R"({"a":1,})"});
    // Declared properties first, then extra members of the additionalProperties schema.
    expect_schema(R"({"properties": {"id": {"type": "integer"}}, "required": ["id"], "additionalProperties": {"type": "boolean"}})",
                  {R"({"id":1})", R"({"id":1,"x":true})", R"({"id":1,"x":true,"y":false})"},
                  {R"({"x":true})", R"({"id":1,"x":1})", R"({"x":true,"id":1})"});
    // Required keys that properties do not declare take the additionalProperties schema.
    expect_schema(R"({"required": ["k"], "additionalProperties": {"type": "string"}})", {R"({"k":"v"})", R"({"k":"v","o":"w"})"},
                  {"{}", R"({"k":1})"});
}

TEST(JsonSchemaGrammar, AdditionalPropertiesFalseAndOpenObjects) {
    expect_schema(R"({"type": "object", "additionalProperties": false})", {"{}", "{ }"}, {R"({"a":1})"});
    // Nothing declared: any object.
    expect_schema(R"({"type": "object"})", {"{}", R"({"a":[1,{"b":null}],"c":"d"})"}, {"[]", "1"});
    // Declared properties with additionalProperties absent or true: only the declared ones are written.
    expect_schema(R"({"properties": {"a": {"type": "integer"}}, "additionalProperties": true})", {"{}", R"({"a":1})"}, {R"({"b":1})"});
    // A required key with no declared schema: any value.
    expect_schema(R"({"type": "object", "required": ["any"]})", {R"({"any":1})", R"({"any":{"x":[true]}})"}, {"{}"});
}

TEST(JsonSchemaGrammar, PropertyWithSchemaFalseIsNeverWritten) {
    expect_schema(R"({"properties": {"a": {"type": "integer"}, "secret": false}, "additionalProperties": false})", {"{}", R"({"a":1})"},
                  {R"({"secret":1})"});
}

// ---- enum, const, type lists, combinators ------------------------------------------------------

TEST(JsonSchemaGrammar, EnumOfStrings) {
    expect_schema(R"({"type": "string", "enum": ["red", "green", "blue", "say \"hi\"", "naïve"]})",
                  {R"("red")", R"("green")", R"("blue")", R"("say \"hi\"")", R"("naïve")"},
                  {R"("yellow")", R"("Red")", R"("red ")", "red", R"("")", "1"});
}

TEST(JsonSchemaGrammar, EnumOfAnyJsonValues) {
    expect_schema(R"({"enum": [1, "two", null, true, 2.5, {"a": [1, 2]}, [3, "x"]]})",
                  {"1", R"("two")", "null", "true", "2.5", R"({"a":[1,2]})", R"([3,"x"])"},
                  {"2", "false", R"("one")", R"({"a":[1]})", "[3]", "2.50"});
    // type filters the values.
    expect_schema(R"({"type": "integer", "enum": [1, "1", 2.0, 2.5]})", {"1", "2.0"}, {R"("1")", "2.5"});
}

TEST(JsonSchemaGrammar, Const) {
    expect_schema(R"({"const": "fixed"})", {R"("fixed")"}, {R"("fixe")", R"("fixed2")"});
    expect_schema(R"({"type": "object", "properties": {"kind": {"const": "circle"}, "r": {"type": "number"}}, "required": ["kind", "r"]})",
                  {R"({"kind":"circle","r":1.5})"}, {R"({"kind":"square","r":1.5})"});
}

TEST(JsonSchemaGrammar, TypeLists) {
    expect_schema(R"({"type": ["string", "null"], "maxLength": 2})", {R"("ab")", "null", R"("")"}, {R"("abc")", "1", "false"});
    expect_schema(R"({"type": ["integer", "boolean"], "minimum": 1, "maximum": 3})", {"1", "3", "true", "false"}, {"0", "4", "null", "1.5"});
}

TEST(JsonSchemaGrammar, AnyOfAndOneOf) {
    expect_schema(R"({"anyOf": [{"type": "string", "maxLength": 3}, {"type": "integer", "minimum": 10}, {"type": "null"}]})",
                  {R"("abc")", "10", "12345", "null"}, {R"("abcd")", "9", "true", "1.5"});
    expect_schema(R"({"oneOf": [
            {"type": "object", "properties": {"type": {"const": "cat"}, "meows": {"type": "boolean"}}, "required": ["type", "meows"]},
            {"type": "object", "properties": {"type": {"const": "dog"}, "barks": {"type": "integer"}}, "required": ["type", "barks"]}
        ]})",
                  {R"({"type":"cat","meows":true})", R"({"type":"dog","barks":3})"},
                  {R"({"type":"cat","barks":3})", R"({"type":"dog","meows":true})", R"({"type":"bird"})"});
}

TEST(JsonSchemaGrammar, AllOfWithOneSchema) {
    expect_schema(R"({"allOf": [{"type": "integer", "maximum": 5}], "description": "small"})", {"5", "-3"}, {"6", R"("5")"});
}

TEST(JsonSchemaGrammar, EmptySchemaAndTrueAcceptAnyValue) {
    for (const char* schema : {"{}", "true", R"({"description": "anything", "title": "T", "$schema": "x", "default": 1, "examples": [2]})"})
        expect_schema(schema, {"1", "-2.5e10", R"("x")", "null", "true", "[]", R"([1,{"a":null},"b"])", R"({"k":{"l":[]}})"},
                      {"", "{", "[1,]", "nul", "01", "1.", "+1", "'x'"});
}

TEST(JsonSchemaGrammar, FormatOnlyConcernsItsTypes) {
    expect_schema(R"({"type": ["string", "null"], "format": "date"})", {R"("2024-05-06")", "null"}, {R"("today")"});
    expect_schema(R"({"type": "integer", "format": "int64"})", {"-5", "123456789012345"}, {"1.5"});
    expect_schema(R"({"type": "number", "format": "double"})", {"1.5e3"}, {"1e100"});
}

TEST(JsonSchemaGrammar, BooleanAndNull) {
    expect_schema(R"({"type": "boolean"})", {"true", "false"}, {"True", "1", "null"});
    expect_schema(R"({"type": "null"})", {"null"}, {"false", R"("null")"});
}

// ---- $ref -----------------------------------------------------------------------------------------

TEST(JsonSchemaGrammar, RecursiveRefThroughDefs) {
    const char* schema = R"({
        "$ref": "#/$defs/node",
        "$defs": {
            "node": {
                "type": "object",
                "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                "required": ["value"],
                "additionalProperties": false
            }
        }
    })";
    expect_schema(schema,
                  {R"({"value":1})", R"({"value":1,"children":[]})", R"({"value":1,"children":[{"value":2},{"value":3,"children":[{"value":4}]}]})"},
                  {R"({"children":[]})", R"({"value":1,"children":[{"value":"x"}]})", R"({"value":1,"children":[{}]})"});
    EXPECT_NE(Grammar::from_json_schema(schema).gbnf().find("\nnode ::= "), std::string::npos);
}

TEST(JsonSchemaGrammar, RefsToDefinitionsAndToTheRoot) {
    // A linked list through "#", with its item type in draft-07 "definitions".
    expect_schema(R"({
        "type": "object",
        "properties": {"item": {"$ref": "#/definitions/item"}, "next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}},
        "required": ["item", "next"],
        "definitions": {"item": {"type": "string", "enum": ["a", "b"]}}
    })",
                  {R"({"item":"a","next":null})", R"({"item":"a","next":{"item":"b","next":null}})"},
                  {R"({"item":"c","next":null})", R"({"item":"a"})", R"({"item":"a","next":{"item":"b"}})"});
    // Pointer escapes in a $ref ("~1" is '/', "%20" a space).
    expect_schema(R"({"$ref": "#/$defs/a~1b%20c", "$defs": {"a/b c": {"type": "integer", "maximum": 0}}})", {"0", "-1"}, {"1"});
}

// ---- strings ----------------------------------------------------------------------------------

TEST(JsonSchemaGrammar, StringLengths) {
    // Lengths count characters: an escape or a multi-byte character is one.
    expect_schema(R"({"type": "string", "minLength": 2, "maxLength": 4})",
                  {R"("ab")", R"("abcd")", R"("a\nb")", R"("\u00e9\"")", R"("日本語")", R"("\\\\\\\\")"},
                  {R"("a")", R"("abcde")", R"("")", R"("日本語です")", R"("\\\\\\\\\\")"});
    expect_schema(R"({"type": "string", "maxLength": 0})", {R"("")"}, {R"("a")"});
    expect_schema(R"({"type": "string", "maxLength": 1000000000})", {R"("")", '"' + std::string(3000, 'x') + '"'}, {R"("a)"});
}

TEST(JsonSchemaGrammar, LongStringLimitsAreExact) {
    // Counts above one {m,n} chunk (1000) are split into nested groups.
    expect_schema(R"({"type": "string", "minLength": 1001, "maxLength": 2500})",
                  {'"' + std::string(1001, 'a') + '"', '"' + std::string(1999, 'b') + '"', '"' + std::string(2000, 'c') + '"',
                   '"' + std::string(2500, 'd') + '"'},
                  {'"' + std::string(1000, 'a') + '"', '"' + std::string(2501, 'a') + '"'});
}

TEST(JsonSchemaGrammar, StringCharactersAndEscapes) {
    expect_schema(R"({"type": "string"})",
                  {R"("")", R"("plain")", R"("q\"b\\s\/b\bf\fn\nr\rt\t")", R"("\u00e9\uD83D\uDE00")", "\"日本\"", "\"tab\\tok\""},
                  {"\"a\"b\"", R"("\x")", R"("\u12")", "\"line\nbreak\"", "\"tab\tinside\"", R"("unterminated)", "'single'"});
}

TEST(JsonSchemaGrammar, AnchoredPatterns) {
    expect_schema(R"({"type": "string", "pattern": "^[A-Z]{2}-\\d{3}$"})", {R"("AB-123")", R"("ZZ-000")"},
                  {R"("ab-123")", R"("AB-1234")", R"("AB123")", R"("xAB-123")", R"("AB-12")"});
    expect_schema(R"({"pattern": "^(foo|bar)+$"})", {R"("foo")", R"("foobar")", R"("barfoo")"}, {R"("")", R"("fo")", R"("foobaz")"});
    expect_schema(R"({"pattern": "^(?:\\+1 )?\\d{3}$"})", {R"("+1 555")", R"("555")"}, {R"("+1555")", R"("+2 555")"});
    expect_schema(R"({"pattern": "^\\w+@\\w+\\.com$"})", {R"("me@host.com")", R"("a_1@b.com")"}, {R"("me@host.org")", R"("me@hostxcom")"});
    expect_schema(R"({"pattern": "^a+?$|^b{2,}$"})", {R"("aaa")", R"("bb")", R"("bbbb")"}, {R"("b")", R"("ab")"});
    expect_schema(R"({"pattern": "^日本.$"})", {R"("日本語")"}, {R"("日本")", R"("日本語だ")"});
    expect_schema(R"({"pattern": "^\\u0041[\\x42-\\x43]$"})", {R"("AB")", R"("AC")"}, {R"("AD")"});
    expect_schema(R"({"pattern": "^a{,2}}$"})", {R"("a{,2}}")"}, {R"("aa")"});  // not a quantifier: literal braces
    // Repeated parts that can match "" (the GBNF engine refuses x* for such an x: they are rewritten).
    expect_schema(R"({"pattern": "^(a*b?)*c$"})", {R"("c")", R"("aac")", R"("abbac")"}, {R"("ca")", R"("bcc")"});
    expect_schema(R"({"pattern": "^(a|)+$"})", {R"("")", R"("aaa")"}, {R"("b")"});
    expect_schema(R"({"pattern": "^((x?)(y?)){2,}-$"})", {R"("-")", R"("xyyx-")", R"("y-")"}, {R"("xx")", R"("z-")"});
}

TEST(JsonSchemaGrammar, PatternsSpeakJsonEscapes) {
    // The pattern matches the decoded string; the grammar writes it as JSON: a quote, a backslash
    // and control characters escaped.
    expect_schema(R"({"pattern": "^a.c$"})", {R"("abc")", R"("a\"c")", R"("a\\c")", R"("a\tc")"}, {R"("a"c")", R"("a\nc")", R"("ac")"});
    expect_schema(R"({"pattern": "^\"x\\\\$"})", {R"("\"x\\")"}, {R"(""x\")", R"("\"x\")"});
    expect_schema(R"({"pattern": "^[^a-z\\s]+$"})", {R"("ABC123")", R"("A\"B")", R"("\\")"}, {R"("AB C")", R"("abc")", R"("A\nB")", R"("")"});
    expect_schema(R"({"pattern": "^\\s$"})", {R"(" ")", R"("\n")", R"("\t")"}, {R"("x")", "\"\n\""});
}

TEST(JsonSchemaGrammar, UnanchoredPatternsMatchAnywhere) {
    expect_schema(R"({"type": "string", "pattern": "\\d{3}"})", {R"("123")", R"("abc123def")", R"("x\"999")"}, {R"("12")", R"("")", R"("1a2b3")"});
    expect_schema(R"({"pattern": "^ab"})", {R"("ab")", R"("abc")"}, {R"("cab")"});
    expect_schema(R"({"pattern": "yz$"})", {R"("xyz")"}, {R"("yzx")"});
    expect_schema(R"({"pattern": ""})", {R"("")", R"("anything")"}, {"1"});
}

TEST(JsonSchemaGrammar, DateFormat) {
    expect_schema(R"({"type": "string", "format": "date"})",
                  {R"("2024-02-29")", R"("2024-12-31")", R"("1999-01-01")", R"("2024-04-30")"},
                  {R"("2024-13-01")", R"("2024-00-10")", R"("2024-02-30")", R"("2024-04-31")", R"("2024-01-32")", R"("2024-01-00")",
                   R"("24-01-01")", R"("2024-1-1")", R"("2024/01/01")", R"("2024-01-01T00:00:00Z")"});
}

TEST(JsonSchemaGrammar, TimeAndDateTimeFormats) {
    expect_schema(R"({"type": "string", "format": "time"})",
                  {R"("12:34:56Z")", R"("23:59:60+01:00")", R"("00:00:00.123456789-05:30")"},
                  {R"("08:15:00z")", R"("24:00:00Z")", R"("12:60:00Z")", R"("12:34:56")", R"("12:34Z")", R"("12:34:56+1:00")", R"("12:34:56.Z")"});
    // RFC 3339 allows "t" and "z" too; only the upper-case forms are written.
    expect_schema(R"({"format": "date-time"})", {R"("2024-01-15T10:30:00Z")", R"("2024-01-15T10:30:00.5+02:00")"},
                  {R"("2024-01-15 10:30:00Z")", R"("2024-01-15t10:30:00Z")", R"("2024-01-15T10:30:00")", R"("2024-01-15")"});
}

TEST(JsonSchemaGrammar, UuidAndIpv4Formats) {
    expect_schema(R"({"type": "string", "format": "uuid"})",
                  {R"("123e4567-e89b-12d3-a456-426614174000")", R"("123E4567-E89B-12D3-A456-426614174000")"},
                  {R"("123e4567e89b12d3a456426614174000")", R"("123e4567-e89b-12d3-a456-42661417400")", R"("g23e4567-e89b-12d3-a456-426614174000")"});
    expect_schema(R"({"type": "string", "format": "ipv4"})", {R"("0.0.0.0")", R"("192.168.1.255")", R"("10.0.0.1")"},
                  {R"("256.0.0.1")", R"("01.2.3.4")", R"("1.2.3")", R"("1.2.3.4.5")"});
}

TEST(JsonSchemaGrammar, FormatWithHarmlessLengthLimits) {
    expect_schema(R"({"type": "string", "format": "date", "minLength": 10, "maxLength": 64})", {R"("2024-01-01")"}, {R"("2024-1-1")"});
}

// ---- numbers ----------------------------------------------------------------------------------

TEST(JsonSchemaGrammar, IntegersHaveBoundedDigits) {
    expect_schema(R"({"type": "integer"})", {"0", "-7", "123456789012345", "-999999999999999"},
                  {"1234567890123456", "01", "-0", "1.0", "1e3", "+1", "--1", ""});
    expect_schema(R"({"type": "number"})", {"0", "-0", "0.5", "-12.25e-3", "1E+99", "123456789012345.123456789012345"},
                  {"1234567890123456", ".5", "5.", "1e", "1e100", "00.1", "0x10", "NaN", "Infinity"});
}

// Every integer in [-window, window] matches exactly when it lies within the schema's bounds.
void expect_integer_range(const std::string& bounds, long long lo, long long hi, long long window_lo, long long window_hi) {
    SCOPED_TRACE(bounds);
    const Grammar g = Grammar::from_json_schema(R"({"type": "integer", )" + bounds + "}");
    for (long long v = window_lo; v <= window_hi; ++v)
        EXPECT_EQ(g.matches(std::to_string(v)), v >= lo && v <= hi) << v << "\n" << g.gbnf();
}

TEST(JsonSchemaGrammar, IntegerRangesAreExact) {
    expect_integer_range(R"("minimum": -5, "maximum": 5)", -5, 5, -30, 30);
    expect_integer_range(R"("minimum": 0, "maximum": 1000)", 0, 1000, -20, 1100);
    expect_integer_range(R"("minimum": 17, "maximum": 4321)", 17, 4321, 0, 5000);
    expect_integer_range(R"("minimum": -1234, "maximum": -99)", -1234, -99, -1500, 10);
    expect_integer_range(R"("exclusiveMinimum": 3, "exclusiveMaximum": 10)", 4, 9, -5, 20);
    expect_integer_range(R"("minimum": 1.5, "maximum": 7.9)", 2, 7, -5, 20);
    expect_integer_range(R"("minimum": -7.5, "exclusiveMaximum": -2.5)", -7, -3, -20, 20);
    expect_integer_range(R"("minimum": 2, "exclusiveMinimum": 2, "maximum": 5, "exclusiveMaximum": 9)", 3, 5, -5, 20);
    expect_integer_range(R"("minimum": 3, "exclusiveMinimum": true, "maximum": 6, "exclusiveMaximum": true)", 4, 5, -5, 20);  // draft 4
    expect_integer_range(R"("minimum": 42, "maximum": 42)", 42, 42, 0, 100);
    expect_integer_range(R"("format": "int32", "minimum": 2147483000)", 2147483000, 2147483647, 2147482900, 2147483700);
    // One-sided bounds are exact on their side; the open side stops at 15 digits.
    expect_integer_range(R"("minimum": 95)", 95, 999999999999999, -20, 1200);
    expect_integer_range(R"("maximum": -95)", -999999999999999, -95, -1200, 20);
    expect_schema(R"({"type": "integer", "minimum": 0})", {"999999999999999"}, {"1000000000000000", "-1", "-0"});
    // An explicit bound beyond 15 digits is honoured too.
    expect_schema(R"({"type": "integer", "minimum": 0, "maximum": 100000000000000000})",
                  {"100000000000000000", "99999999999999999"}, {"100000000000000001"});
    // Bounds past 18 digits are no bound on their far side.
    expect_schema(R"({"type": "integer", "minimum": -1e300, "maximum": 1e300})", {"0", "-999999999999999", "999999999999999"},
                  {"1000000000000000"});
}

// Every number k/100 in [-4, 4], written with 2 decimals (and also with trailing zeros dropped or
// added), matches exactly when it is within the bounds, given in hundredths.
void expect_number_range(const std::string& bounds, long lo, bool lo_inclusive, long hi, bool hi_inclusive) {
    SCOPED_TRACE(bounds);
    const Grammar g = Grammar::from_json_schema(R"({"type": "number", )" + bounds + "}");
    for (long k = -400; k <= 400; ++k) {
        const bool in = (lo_inclusive ? k >= lo : k > lo) && (hi_inclusive ? k <= hi : k < hi);
        const long a = k < 0 ? -k : k;
        const std::string sign = k < 0 ? "-" : "";
        const std::string whole = sign + std::to_string(a / 100);
        const std::string cents = std::string(a % 100 < 10 ? "0" : "") + std::to_string(a % 100);
        std::vector<std::string> texts = {whole + "." + cents, whole + "." + cents + "0"};
        if (a % 100 == 0) texts.push_back(whole);
        if (a % 10 == 0) texts.push_back(whole + "." + std::to_string((a % 100) / 10));
        for (const std::string& t : texts) {
            if (t == "-0" || t.rfind("-0.0", 0) == 0) continue;  // negative zero: no claim either way
            EXPECT_EQ(g.matches(t), in) << t << "\n" << g.gbnf();
        }
    }
}

TEST(JsonSchemaGrammar, NumberRangesAreExact) {
    expect_number_range(R"("minimum": 0, "maximum": 1)", 0, true, 100, true);
    expect_number_range(R"("minimum": -1.5, "maximum": 2.25)", -150, true, 225, true);
    expect_number_range(R"("exclusiveMinimum": 0, "exclusiveMaximum": 3)", 0, false, 300, false);
    expect_number_range(R"("exclusiveMinimum": -2.05, "maximum": -0.5)", -205, false, -50, true);
    expect_number_range(R"("minimum": 0.07, "exclusiveMaximum": 0.3)", 7, true, 30, false);
    expect_number_range(R"("minimum": -3.99)", -399, true, 1000000, true);
    expect_number_range(R"("exclusiveMaximum": 1.01)", -1000000, true, 101, false);
    expect_number_range(R"("minimum": 1.25, "maximum": 1.25)", 125, true, 125, true);
    expect_schema(R"({"type": "number", "exclusiveMinimum": 0, "maximum": 0.001})", {"0.001", "0.0005", "0.0000000001", "0.00100"},
                  {"0", "0.0", "0.0010001", "0.002", "-0.0001", "1e-3"});
}

// ---- arrays -----------------------------------------------------------------------------------

TEST(JsonSchemaGrammar, ArrayItemCounts) {
    expect_schema(R"({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3})",
                  {"[1]", "[1,2,3]", "[ 1 , 2 ]", "[\n  1,\n  2\n]"}, {"[]", "[1,2,3,4]", R"(["a"])", "[1,]", "[,1]", "[1 2]"});
    expect_schema(R"({"type": "array", "items": {"type": "string"}})", {"[]", R"(["a","b","c","d","e","f"])"}, {"[1]"});
    expect_schema(R"({"type": "array", "minItems": 2})", {R"([1,"x"])", R"([null,[],{},true])"}, {"[]", "[1]"});
    expect_schema(R"({"type": "array", "maxItems": 0})", {"[]", "[ ]"}, {"[1]"});
    expect_schema(R"({"type": "array", "items": {"type": "boolean"}, "minItems": 1500, "maxItems": 1500})",
                  {"[true" + std::string() + [] { std::string s; for (int i = 1; i < 1500; ++i) s += ",false"; return s; }() + "]"},
                  {"[true" + std::string() + [] { std::string s; for (int i = 1; i < 1499; ++i) s += ",false"; return s; }() + "]"});
}

TEST(JsonSchemaGrammar, TuplesWithPrefixItems) {
    expect_schema(R"({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false})",
                  {"[]", R"(["a"])", R"(["a",1])"}, {R"(["a",1,2])", R"([1,"a"])", R"([1])"});
    expect_schema(R"({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": {"type": "boolean"}, "minItems": 2, "maxItems": 4})",
                  {R"(["a",1])", R"(["a",1,true])", R"(["a",1,true,false])"}, {R"(["a"])", R"(["a",1,2])", R"(["a",1,true,false,true])"});
    // Draft 4 tuples: items as an array, additionalItems for the rest.
    expect_schema(R"({"items": [{"const": 1}, {"const": 2}], "additionalItems": {"type": "null"}, "minItems": 2})",
                  {"[1,2]", "[1,2,null,null]"}, {"[1]", "[2,1]", "[1,2,3]"});
}

TEST(JsonSchemaGrammar, NestedArrays) {
    expect_schema(R"({"type": "array", "items": {"type": "array", "items": {"type": "number"}, "maxItems": 2}, "maxItems": 2})",
                  {"[]", "[[]]", "[[1,2.5],[3]]"}, {"[[1,2,3]]", "[[1],[2],[3]]", "[1]"});
}

// ---- whitespace ---------------------------------------------------------------------------------

TEST(JsonSchemaGrammar, WhitespaceIsBounded) {
    const Grammar g = Grammar::from_json_schema(R"({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "integer"}}}})");
    const nlohmann::json doc = {{"a", {1, 2, 3}}};
    expect_language(g, {doc.dump(), doc.dump(2), doc.dump(4), "{\"a\":\t[1,\r\n 2]}", "{\n" + std::string(20, ' ') + "\"a\": []}"},
                    {"{\n" + std::string(21, ' ') + "\"a\": []}", "{\n\n\"a\": []}", "{  \"a\": []}", "{\"a\": []}\n"});
}

// ---- refused schemas ----------------------------------------------------------------------------

TEST(JsonSchemaGrammar, WrappedBetweenLiteralTexts) {
    // A tool-call wrapper around the JSON; "$ref": "#" still means the schema, not the wrapper.
    const char* schema = R"({"type": "object", "properties": {"n": {"type": "integer"}, "next": {"$ref": "#"}}, "required": ["n"]})";
    expect_language(Grammar::from_json_schema(schema, "<call>\n", "\n</call>"),
                    {"<call>\n{\"n\":1}\n</call>", "<call>\n{\"n\":1,\"next\":{\"n\":2}}\n</call>"},
                    {"{\"n\":1}", "<call>\n{\"n\":1}", "{\"n\":1}\n</call>",
                     "<call>\n{\"n\":1,\"next\":<call>\n{\"n\":2}\n</call>}\n</call>"});
    expect_language(Grammar::from_json_schema(R"({"type": "boolean"})", "x=", ""), {"x=true"}, {"true", "x=true;"});
    expect_language(Grammar::from_json_schema(R"({"type": "boolean"})", "", ""), {"false"}, {"x=false"});
}

TEST(JsonSchemaErrors, UnsupportedKeywordsAreNamedWithTheirPlace) {
    expect_refused(R"({"type": "object", "properties": {"a": {"type": "object", "patternProperties": {"^x": {}}}}})",
                   {"JSON Schema keyword 'patternProperties' is not supported", "(at /properties/a)"});
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"if", R"({"if": {"type": "string"}, "then": {"maxLength": 2}})"},
        {"not", R"({"not": {"type": "string"}})"},
        {"dependentSchemas", R"({"type": "object", "dependentSchemas": {"a": {}}})"},
        {"dependentRequired", R"({"type": "object", "dependentRequired": {"a": ["b"]}})"},
        {"unevaluatedProperties", R"({"type": "object", "unevaluatedProperties": false})"},
        {"contains", R"({"type": "array", "contains": {"type": "integer"}})"},
        {"uniqueItems", R"({"type": "array", "uniqueItems": true})"},
        {"multipleOf", R"({"type": "integer", "multipleOf": 3})"},
        {"minProperties", R"({"type": "object", "minProperties": 1})"},
        {"maxProperties", R"({"type": "object", "maxProperties": 1})"},
        {"propertyNames", R"({"type": "object", "propertyNames": {"maxLength": 3}})"},
        {"$anchor", R"({"$anchor": "x", "type": "string"})"},
        {"nullable", R"({"type": "string", "nullable": true})"},
    };
    for (const auto& [keyword, schema] : cases) expect_refused(schema, {"'" + keyword + "'", "the schema root"});
    // Deep inside: the pointer says where.
    expect_refused(R"({"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object", "minProperties": 1}]}})",
                   {"'minProperties'", "/items/anyOf/1"});
    expect_refused(R"({"$defs": {"a~b/c": {"not": {}}}, "$ref": "#/$defs/a~0b~1c"})", {"'not'", "/$defs/a~0b~1c"});
}

TEST(JsonSchemaErrors, UntranslatablePatternsAreRefused) {
    for (const char* pattern : {R"(\\bword\\b)", R"((a)\\1)", R"((?=a)b)", R"((?<!a)b)", R"(\\p{L})", R"(^a$b)", R"(a^b)", R"([z-a])", R"(a**)", R"(*a)", R"((a)", R"(a))", R"([ab)", R"(\\)", R"(\\q)"})
        expect_refused(std::string(R"({"type": "string", "pattern": ")") + pattern + R"("})", {"'pattern'", "pattern offset", "the schema root"});
    expect_refused(R"({"type": "string", "pattern": "^a+$", "maxLength": 3})", {"'maxLength' together with 'pattern'"});
    expect_refused(R"({"type": "string", "pattern": "^a+$", "format": "date"})", {"'format' together with 'pattern'"});
    expect_refused(R"({"type": "string", "pattern": 5})", {"'pattern' must be a string"});
}

TEST(JsonSchemaErrors, UnhonourableCombinationsAreRefused) {
    expect_refused(R"({"type": "string", "format": "email"})", {"format \"email\"", "not supported"});
    expect_refused(R"({"type": "number", "format": "float"})", {"format \"float\"", "'number'"});
    expect_refused(R"({"type": "integer", "format": "uint8"})", {"format \"uint8\"", "'integer'"});
    expect_refused(R"({"allOf": [{"type": "string"}, {"maxLength": 3}]})", {"'allOf'"});
    expect_refused(R"({"$ref": "#/$defs/a", "type": "string", "$defs": {"a": {}}})", {"'type' beside '$ref'"});
    expect_refused(R"({"anyOf": [{"type": "string"}], "maxLength": 3})", {"'maxLength' beside 'anyOf'"});
    expect_refused(R"({"$ref": "https://example.com/schema.json"})", {"'$ref'", "not supported"});
    expect_refused(R"({"$ref": "#/$defs/missing"})", {"points at nothing"});
    expect_refused(R"({"type": "string", "format": "date", "maxLength": 5})", {"maxLength"});
    expect_refused(R"({"additionalItems": false})", {"'additionalItems'"});
}

TEST(JsonSchemaErrors, SchemasThatAcceptNothingAreRefused) {
    expect_refused("false", {"accepts no value"});
    expect_refused(R"({"type": "integer", "minimum": 5, "maximum": 4})", {"no integer"});
    expect_refused(R"({"type": "integer", "minimum": 4.2, "maximum": 4.8})", {"no integer"});
    expect_refused(R"({"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 1})", {"no number"});
    expect_refused(R"({"type": "string", "minLength": 3, "maxLength": 2})", {"minLength"});
    expect_refused(R"({"type": "array", "minItems": 3, "maxItems": 2})", {"minItems"});
    expect_refused(R"({"type": "array", "prefixItems": [{}, {}], "items": false, "minItems": 3})", {"minItems"});
    expect_refused(R"({"type": "object", "required": ["a"], "additionalProperties": false})", {"'a'"});
    expect_refused(R"({"const": 1, "enum": [2, 3]})", {"const"});
    expect_refused(R"({"type": "string", "enum": [1, 2]})", {"enum"});
    expect_refused(R"({"type": "strin"})", {"\"strin\""});
    expect_refused(R"({"type": "integer", "minimum": "1"})", {"'minimum' must be a number"});
    expect_refused(R"({"type": "string", "maxLength": -1})", {"'maxLength' must be a non-negative integer"});
    expect_refused(R"({"type": "number", "maximum": 1e-50})", {"'maximum'", "decimal places"});
    expect_refused(R"({"type": "integer", "minimum": 1e300})", {"no integer"});
}

TEST(JsonSchemaErrors, SchemasThatNeverConsumeAreRefused) {
    // Left recursion: the GBNF engine refuses it when the grammar is built.
    EXPECT_THROW(Grammar::from_json_schema(R"({"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/a"}}})"), hearth::Error);
    EXPECT_THROW(Grammar::from_json_schema(R"({"anyOf": [{"$ref": "#"}, {"type": "null"}]})"), hearth::Error);
    // Nesting deeper than the converter walks.
    std::string deep;
    for (int i = 0; i < 200; ++i) deep += R"({"type": "array", "items": )";
    deep += "{}" + std::string(200, '}');
    expect_refused(deep, {"deeper than"});
}

TEST(JsonSchemaErrors, InvalidJsonIsRefused) {
    EXPECT_THROW(Grammar::from_json_schema(R"({"type": )"), hearth::Error);
    EXPECT_THROW(Grammar::from_json_schema(""), hearth::Error);
    expect_refused("[1, 2]", {"must be an object or a boolean"});
}

// The plain nlohmann::json overload (which sorts keys) gives properties in key order.
TEST(JsonSchemaGrammar, UnorderedJsonOverloadUsesKeyOrder) {
    const auto schema = nlohmann::json::parse(R"({"properties": {"b": {"type": "integer"}, "a": {"type": "integer"}}, "required": ["a", "b"]})");
    const Grammar g = Grammar::from_gbnf(hearth::grammar::json_schema_to_gbnf(schema));
    expect_language(g, {R"({"a":1,"b":2})"}, {R"({"b":2,"a":1})"});
}

// ---- any JSON object ------------------------------------------------------------------------------

TEST(JsonSchemaJsonObject, AcceptsObjectsOnly) {
    expect_language(Grammar::json_object(),
                    {"{}", R"({"a":1})", R"({"a":{"b":{"c":[1,2,{"d":null}]}},"e":[true,false],"f":"\u00e9\n\"x\""})",
                     R"({"n":-0.5e-10,"m":123456789012345,"s":"日本語","t":"\uD83D\uDE00"})", nlohmann::json::parse(R"({"a":[1,{"b":2}],"c":"d"})").dump(2),
                     R"({ "a" : [ ] , "b" : { } })", R"({"":""})"},
                    {"[]", "1", R"("x")", "null", "true", "{", R"({"a":1,})", R"({"a"})", R"({a:1})", R"({"a":01})", R"({"a":1}{})",
                     R"({'a':1})", R"({"a":1} )", " {}", R"({"a":"\q"})", "{\"a\":\"\x01\"}", R"({"a":1234567890123456})"});
}

}  // namespace
