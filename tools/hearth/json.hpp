// Reading JSON for the CLI's batch modes: one flat object per line (string, bool, number, null
// and number-array fields), e.g. {"text": "...", "add_special": true}. Writing lives in
// json_writer.hpp.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::cli {

struct JsonField {
    enum class Kind { string, boolean, number, null, number_array };
    Kind kind = Kind::null;
    std::string text;              // string: UTF-8 (\u escapes decoded, lone surrogates -> U+FFFD)
    bool flag = false;             // boolean
    double number = 0;             // number
    std::vector<double> numbers;   // number_array
};

class JsonObject {
public:
    // Throws std::runtime_error naming the offset for malformed input or nested objects.
    static JsonObject parse(std::string_view line);

    bool has(const std::string& key) const { return fields_.count(key) != 0; }
    // Typed access: nullopt when absent; std::runtime_error when present with another type.
    std::optional<std::string> get_string(const std::string& key) const;
    std::optional<bool> get_bool(const std::string& key) const;
    std::optional<double> get_number(const std::string& key) const;
    std::optional<std::vector<double>> get_numbers(const std::string& key) const;

private:
    const JsonField* typed(const std::string& key, JsonField::Kind kind) const;
    std::map<std::string, JsonField> fields_;
};

}  // namespace hearth::cli
