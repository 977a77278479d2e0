// JSON text -> template values (json_value.hpp).
#include "chat/json_value.hpp"

#include <nlohmann/json.hpp>

#include "hearth/error.hpp"

namespace hearth::jinja {

namespace {

using Json = nlohmann::ordered_json;

// Deeper JSON is refused: the conversion recurses (templates never need more than a few levels).
constexpr int kMaxDepth = 128;

Value convert(const Json& j, int depth) {
    if (depth > kMaxDepth) throw Error(ErrorCode::invalid_argument, "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    switch (j.type()) {
        case Json::value_t::null: return Value(None{});
        case Json::value_t::boolean: return Value(j.get<bool>());
        case Json::value_t::number_integer: return Value(j.get<int64_t>());
        case Json::value_t::number_unsigned: {
            // Above INT64_MAX only a float can hold it (Python would keep the big int).
            const uint64_t u = j.get<uint64_t>();
            return u <= static_cast<uint64_t>(INT64_MAX) ? Value(static_cast<int64_t>(u)) : Value(static_cast<double>(u));
        }
        case Json::value_t::number_float: return Value(j.get<double>());
        case Json::value_t::string: return Value(j.get<std::string>());
        case Json::value_t::array: {
            List list;
            list.reserve(j.size());
            for (const Json& item : j) list.push_back(convert(item, depth + 1));
            return Value(std::move(list));
        }
        case Json::value_t::object: {
            auto d = make_dict();
            // Keys of a parsed object are unique: appended directly (Dict::set's lookup is linear).
            d->items.reserve(j.size());
            for (const auto& [key, item] : j.items()) d->items.emplace_back(key, convert(item, depth + 1));
            return Value(std::move(d));
        }
        case Json::value_t::binary:
        case Json::value_t::discarded: break;
    }
    return Value(None{});
}

}  // namespace

Value value_from_json(std::string_view json_text, std::string_view what) {
    Json j;
    try {
        j = Json::parse(json_text);
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorCode::invalid_argument, std::string(what) + ": not valid JSON: " + e.what());
    }
    try {
        return convert(j, 0);
    } catch (const Error& e) {
        throw Error(e.code(), std::string(what) + ": " + e.what());
    }
}

}  // namespace hearth::jinja
