// GGUF values -> JSON (see gguf_json.hpp).
#include "server/gguf_json.hpp"

#include <cmath>

namespace hearth::server {

namespace {

// JSON has no NaN or infinity; such floats are written as null.
nlohmann::json finite_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nullptr; }

}  // namespace

nlohmann::json gguf_value_json(const gguf::Value& v) {
    using gguf::ValueType;
    switch (v.type()) {
        case ValueType::string: return std::string(*v.as_string());
        case ValueType::boolean: return *v.as_bool();
        case ValueType::f32: case ValueType::f64: return finite_or_null(*v.as_float());
        case ValueType::array: break;
        default:
            if (auto i = v.as_int()) return *i;
            return *v.as_uint();
    }
    if (v.array_size() > kJsonArrayLimit)
        return {{"array_of", std::string(gguf::value_type_name(v.array_type()))}, {"length", v.array_size()}};
    nlohmann::json a = nlohmann::json::array();
    for (uint64_t i = 0; i < v.array_size(); ++i) {
        switch (v.array_type()) {
            case ValueType::string: a.push_back(std::string(v.strings()[i])); break;
            case ValueType::array: a.push_back(gguf_value_json(v.nested()[i])); break;
            case ValueType::boolean: a.push_back(*v.int_at(i) != 0); break;
            case ValueType::f32: case ValueType::f64: a.push_back(finite_or_null(*v.float_at(i))); break;
            default:
                if (auto x = v.int_at(i)) a.push_back(*x);
                else a.push_back(*v.float_at(i));  // u64 beyond int64: as a number
        }
    }
    return a;
}

}  // namespace hearth::server
