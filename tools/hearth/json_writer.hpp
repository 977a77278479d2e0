// Streaming JSON output for the CLI's --json modes: keys and values in order, commas and
// string escaping handled here so each command only states its structure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/json_string.hpp"

namespace hearth::cli {

using util::append_json_string;

class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);
    JsonWriter& value(std::string_view v);
    JsonWriter& value(const std::string& v) { return value(std::string_view(v)); }
    JsonWriter& value(const char* v) { return value(std::string_view(v)); }
    JsonWriter& value(bool v);
    JsonWriter& value(int64_t v);
    JsonWriter& value(uint64_t v);
    JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
    JsonWriter& value(double v);  // non-finite values are written as null
    JsonWriter& null();
    const std::string& str() const noexcept { return out_; }

private:
    void separate();
    std::string out_;
    std::vector<bool> first_;   // per open container: nothing written yet
    bool after_key_ = false;
};

}  // namespace hearth::cli
