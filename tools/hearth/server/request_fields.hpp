// Typed access to one JSON object of a request body: every getter checks the type and range and
// throws a 400 ApiError naming the field ("options.top_k: expected an integer, got string").
// Absent and null fields read as nullopt, as both OpenAI and Ollama treat them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::server {

// The body as a JSON object; 400 for malformed JSON (incl. invalid UTF-8) or another type.
nlohmann::json parse_json_object(std::string_view body);

// "string", "number", "object", ... for messages.
const char* json_type_name(const nlohmann::json& v) noexcept;

class Fields {
public:
    // path: where this object sits in the request ("" for the body, "options", "messages[2]").
    // 400 when v is not an object.
    Fields(const nlohmann::json& v, std::string path);
    Fields(const nlohmann::json&& v, std::string path) = delete;  // keeps a pointer: no temporaries

    const nlohmann::json* find(std::string_view key) const;  // nullptr when absent or null
    std::string name(std::string_view key) const;            // "options.top_k"
    [[noreturn]] void fail(std::string_view key, const std::string& message) const;

    std::optional<std::string> string(std::string_view key) const;
    std::optional<bool> boolean(std::string_view key) const;
    std::optional<double> number(std::string_view key, double min, double max) const;
    // Integral numbers only (3 and 3.0; not 3.5); outside [min, max] is a 400 naming the range.
    std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max) const;
    // A string or an array of strings (OpenAI's and Ollama's `stop`); at most max_items.
    std::vector<std::string> strings(std::string_view key, size_t max_items) const;
    // A nested object, 400 when present with another type.
    std::optional<Fields> object(std::string_view key) const;

private:
    const nlohmann::json* v_;
    std::string path_;
};

}  // namespace hearth::server
