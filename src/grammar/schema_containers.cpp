// Objects (properties, required, additionalProperties) and arrays (items, prefixItems, minItems,
// maxItems) of the JSON Schema -> GBNF conversion (schema_converter.hpp).
#include <fmt/format.h>

#include <algorithm>

#include "grammar/schema_converter.hpp"

namespace hearth::grammar {
namespace {

// Past this many properties the members after each one become rules of their own, so that the
// grammar grows with the property count rather than with its square.
constexpr size_t kInlineMembers = 6;

std::string key_literal(const std::string& key) { return gbnf_literal(Json(key).dump()); }

}  // namespace

// Members come in the order the schema declares them; each optional one may be left out. So an
// object is one of: "the first member written is k" for each k up to the first required member,
// followed by every later member (required ones always, optional ones maybe), each after a comma.
//
// additionalProperties: false, or absent/true (also {}) when properties are declared: only the
// declared members are written. Extra members would be valid for absent/true, but a model that
// is asked for a schema's object is best served by exactly its properties. A schema: extra
// "key": value members of that schema may follow the declared ones (their keys are any string,
// so in principle they could repeat a declared key). No properties and nothing else said: any
// object.
std::string SchemaConverter::object_body(const Json& schema, const std::string& where, const std::string& hint) {
    std::vector<std::string> required;
    if (const auto r = schema.find("required"); r != schema.end()) {
        if (!r->is_array()) fail(where, "JSON Schema 'required' must be an array of strings");
        for (const Json& name : *r) {
            if (!name.is_string()) fail(where, "JSON Schema 'required' must be an array of strings");
            if (std::find(required.begin(), required.end(), name.get<std::string>()) == required.end())
                required.push_back(name.get<std::string>());
        }
    }
    auto is_required = [&](const std::string& key) { return std::find(required.begin(), required.end(), key) != required.end(); };
    const auto properties = schema.find("properties");
    if (properties != schema.end() && !properties->is_object()) fail(where, "JSON Schema 'properties' must be an object");
    const bool declared = properties != schema.end();

    const auto additional = schema.find("additionalProperties");
    const bool closed = additional != schema.end() && *additional == Json(false);
    const bool open = additional == schema.end() || accepts_anything(*additional);
    std::string extra_value;  // the schema of extra members, made when first needed
    auto extra = [&]() -> const std::string& {
        if (extra_value.empty())
            extra_value = expression(*additional, child_pointer(where, "additionalProperties"), child_hint(hint, "additional"));
        return extra_value;
    };

    struct Member {
        std::string key;
        std::string text;  // "key" ws ":" ws value ws
        bool required;
    };
    // key: a GBNF item for the key string.
    auto member = [&](const std::string& key, const std::string& value) {
        return fmt::format(R"({} {} ":" {} {} {})", key, shared("ws"), shared("ws"), value, shared("ws"));
    };
    std::vector<Member> members;
    if (declared) {
        for (const auto& [key, sub] : properties->items()) {
            const std::string at = child_pointer(child_pointer(where, "properties"), key);
            if (sub == Json(false)) {  // the property must not be there
                if (is_required(key)) fail(at, fmt::format("JSON Schema: required property '{}' has the schema false", key));
                continue;
            }
            members.push_back({key, member(key_literal(key), expression(sub, at, child_hint(hint, key))), is_required(key)});
        }
    }
    for (const std::string& key : required) {
        if (declared && properties->contains(key)) continue;
        if (closed) fail(where, fmt::format("JSON Schema: required property '{}' is not declared and additionalProperties is false", key));
        members.push_back({key, member(key_literal(key), open ? shared("value") : extra()), true});
    }
    if (members.empty() && open) return shared("object");

    const bool extras = !open && !closed;
    const std::string extra_member = extras ? member(shared("string"), extra()) : "";
    const std::string extra_tail = extras ? fmt::format(R"(( "," {} {} )*)", shared("ws"), extra_member) : "";

    // after[k]: the members from k on, each after a comma, then any extra members.
    std::vector<std::string> after(members.size() + 1);
    after[members.size()] = extra_tail;
    std::vector<Rule> after_rules;  // made last to first, written first to last
    for (size_t k = members.size(); k-- > 1;) {
        const std::string comma_member = fmt::format(R"("," {} {})", shared("ws"), members[k].text);
        std::string text = members[k].required ? comma_member : fmt::format("( {} )?", comma_member);
        if (!after[k + 1].empty()) text += " " + after[k + 1];
        if (members.size() > kInlineMembers && k + 1 < members.size()) {
            const std::string name = fresh_name(child_hint(hint, "after-" + members[k - 1].key));
            after_rules.push_back(Rule{name, std::move(text)});
            text = name;
        }
        after[k] = std::move(text);
    }
    rules_.insert(rules_.end(), after_rules.rbegin(), after_rules.rend());

    const size_t first_required = static_cast<size_t>(
        std::find_if(members.begin(), members.end(), [](const Member& m) { return m.required; }) - members.begin());
    std::vector<std::string> firsts;
    for (size_t k = 0; k < members.size() && k <= first_required; ++k)
        firsts.push_back(after[k + 1].empty() ? members[k].text : members[k].text + " " + after[k + 1]);
    const bool may_be_empty = first_required == members.size();
    if (may_be_empty && extras) firsts.push_back(extra_member + " " + extra_tail);
    if (firsts.empty()) return fmt::format(R"("{{" {} "}}")", shared("ws"));
    return fmt::format(R"("{{" {} ( {} ){} "}}")", shared("ws"), fmt::join(firsts, " | "), may_be_empty ? "?" : "");
}

// Element i follows prefixItems[i] (draft 4: items[i]); the ones after follow items (draft 4:
// additionalItems), any value when that is absent. minItems and maxItems bound the count; a tuple
// may stop after any element past minItems, as the schema allows.
std::string SchemaConverter::array_body(const Json& schema, const std::string& where, const std::string& hint) {
    const auto items = schema.find("items");
    const auto prefix_items = schema.find("prefixItems");
    const auto additional_items = schema.find("additionalItems");
    const Json* tuple = nullptr;  // schemas by position
    const char* tuple_keyword = "prefixItems";
    const Json* rest = nullptr;  // schema of the elements after the tuple; nullptr: any value
    const char* rest_keyword = "items";
    if (prefix_items != schema.end()) {
        if (!prefix_items->is_array()) fail(where, "JSON Schema 'prefixItems' must be an array");
        if (additional_items != schema.end())
            fail(where, "JSON Schema keyword 'additionalItems' beside 'prefixItems' is not supported (use 'items')");
        if (items != schema.end() && items->is_array())
            fail(where, "JSON Schema 'items' beside 'prefixItems' must be a schema");
        tuple = &*prefix_items;
        if (items != schema.end()) rest = &*items;
    } else if (items != schema.end() && items->is_array()) {
        tuple = &*items;
        tuple_keyword = "items";
        rest_keyword = "additionalItems";
        if (additional_items != schema.end()) rest = &*additional_items;
    } else {
        if (additional_items != schema.end())
            fail(where, "JSON Schema keyword 'additionalItems' without an array 'items' is not supported");
        if (items != schema.end()) rest = &*items;
    }

    // The most elements the item schemas allow (a false schema at a position ends the array there).
    std::optional<uint64_t> most = count_keyword(schema, "maxItems", where);
    auto limit = [&](uint64_t n) { most = most ? std::min(*most, n) : n; };
    std::vector<std::string> elements;
    if (tuple != nullptr) {
        for (size_t i = 0; i < tuple->size() && (!most || i < *most); ++i) {
            if ((*tuple)[i] == Json(false)) {
                limit(i);
                break;
            }
            elements.push_back(expression((*tuple)[i], fmt::format("{}/{}", child_pointer(where, tuple_keyword), i),
                                          child_hint(hint, fmt::format("item{}", i + 1))));
        }
    }
    std::string rest_item;  // empty: no elements past the tuple
    if (rest != nullptr && *rest == Json(false))
        limit(tuple != nullptr ? tuple->size() : 0);
    else if (!most || *most > elements.size())
        rest_item = rest == nullptr ? shared("value") : expression(*rest, child_pointer(where, rest_keyword), child_hint(hint, "item"));
    const uint64_t least = count_keyword(schema, "minItems", where).value_or(0);
    if (most && least > *most) fail(where, "JSON Schema 'minItems' is above the number of items the schema allows");

    const std::string ws = shared("ws");
    // The elements from i on (i of them written already), as a GBNF sequence.
    auto from = [&](auto& self, uint64_t i) -> std::string {
        if (most && i >= *most) return "";
        const uint64_t need = least > i ? least - i : 0;
        if (i >= elements.size()) {  // past the tuple: all alike
            const std::string next = fmt::format(R"(( "," {} {} {} ))", ws, rest_item, ws);
            if (i > 0) return gbnf_repeat(next, need, most ? std::optional<uint64_t>(*most - i) : std::nullopt);
            std::string seq = rest_item + " " + ws;
            const std::string others = gbnf_repeat(next, need > 0 ? need - 1 : 0, most ? std::optional<uint64_t>(*most - 1) : std::nullopt);
            if (!others.empty()) seq += " " + others;
            return need > 0 ? seq : "( " + seq + " )?";
        }
        std::string seq = (i == 0 ? "" : fmt::format(R"("," {} )", ws)) + elements[i] + " " + ws;
        const std::string later = self(self, i + 1);
        if (!later.empty()) seq += " " + later;
        return need > 0 ? seq : "( " + seq + " )?";
    };
    const std::string inside = from(from, 0);
    return inside.empty() ? fmt::format(R"("[" {} "]")", ws) : fmt::format(R"("[" {} {} "]")", ws, inside);
}

}  // namespace hearth::grammar
