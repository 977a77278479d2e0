// Typed request field access (see request_fields.hpp).
#include "server/request_fields.hpp"

#include <cmath>

#include "server/api_error.hpp"

namespace hearth::server {

nlohmann::json parse_json_object(std::string_view body) {
    nlohmann::json v;
    try {
        v = nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& e) {
        // nlohmann's message names the byte offset and what it expected (also for invalid UTF-8).
        throw ApiError(400, "invalid_request_error", "invalid_json", "", std::string("malformed JSON body: ") + e.what());
    }
    if (!v.is_object())
        throw ApiError(400, "invalid_request_error", "invalid_json", "",
                       std::string("the body must be a JSON object, got ") + json_type_name(v));
    return v;
}

const char* json_type_name(const nlohmann::json& v) noexcept {
    if (v.is_number()) return "number";  // nlohmann says "number" for all three kinds anyway
    return v.type_name();
}

Fields::Fields(const nlohmann::json& v, std::string path) : v_(&v), path_(std::move(path)) {
    if (!v.is_object()) throw_bad_field(path_, std::string("expected an object, got ") + json_type_name(v));
}

const nlohmann::json* Fields::find(std::string_view key) const {
    const auto it = v_->find(key);
    if (it == v_->end() || it->is_null()) return nullptr;
    return &*it;
}

std::string Fields::name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void Fields::fail(std::string_view key, const std::string& message) const { throw_bad_field(name(key), message); }

std::optional<std::string> Fields::string(std::string_view key) const {
    const nlohmann::json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail(key, std::string("expected a string, got ") + json_type_name(*v));
    return v->get<std::string>();
}

std::optional<bool> Fields::boolean(std::string_view key) const {
    const nlohmann::json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) fail(key, std::string("expected true or false, got ") + json_type_name(*v));
    return v->get<bool>();
}

std::optional<double> Fields::number(std::string_view key, double min, double max) const {
    const nlohmann::json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_number()) fail(key, std::string("expected a number, got ") + json_type_name(*v));
    const double x = v->get<double>();
    if (!(x >= min && x <= max))
        fail(key, "must be between " + nlohmann::json(min).dump() + " and " + nlohmann::json(max).dump() + ", got " + v->dump());
    return x;
}

std::optional<int64_t> Fields::integer(std::string_view key, int64_t min, int64_t max) const {
    const nlohmann::json* v = find(key);
    if (!v) return std::nullopt;
    const std::string range = " between " + std::to_string(min) + " and " + std::to_string(max);
    if (v->is_number_integer()) {  // also true for unsigned
        // Unsigned values above INT64_MAX must not be read as int64 (they would wrap).
        const bool too_big = v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX);
        if (too_big || v->get<int64_t>() < min || v->get<int64_t>() > max)
            fail(key, "must be an integer" + range + ", got " + v->dump());
        return v->get<int64_t>();
    }
    if (v->is_number_float()) {
        const double x = v->get<double>();
        // Compared as doubles first: a cast of 1e300 to int64 would be undefined.
        if (std::floor(x) != x || x < static_cast<double>(min) || x > static_cast<double>(max))
            fail(key, "must be an integer" + range + ", got " + v->dump());
        return static_cast<int64_t>(x);
    }
    fail(key, std::string("expected an integer, got ") + json_type_name(*v));
}

std::vector<std::string> Fields::strings(std::string_view key, size_t max_items) const {
    const nlohmann::json* v = find(key);
    if (!v) return {};
    if (v->is_string()) return {v->get<std::string>()};
    if (!v->is_array()) fail(key, std::string("expected a string or a list of strings, got ") + json_type_name(*v));
    if (v->size() > max_items) fail(key, "at most " + std::to_string(max_items) + " entries, got " + std::to_string(v->size()));
    std::vector<std::string> out;
    for (size_t i = 0; i < v->size(); ++i) {
        const nlohmann::json& item = (*v)[i];
        if (!item.is_string())
            throw_bad_field(name(key) + "[" + std::to_string(i) + "]", std::string("expected a string, got ") + json_type_name(item));
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::optional<Fields> Fields::object(std::string_view key) const {
    const nlohmann::json* v = find(key);
    if (!v) return std::nullopt;
    return Fields(*v, name(key));
}

}  // namespace hearth::server
