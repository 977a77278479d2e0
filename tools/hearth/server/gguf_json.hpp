// GGUF metadata values as JSON, shared by `hearth info --json` and the server's /api/show.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "hearth/gguf.hpp"

namespace hearth::server {

// Arrays longer than this are summarised as {"array_of": type, "length": n}: a 150k-token
// vocabulary is of no use in a listing.
constexpr uint64_t kJsonArrayLimit = 64;

nlohmann::json gguf_value_json(const gguf::Value& v);

}  // namespace hearth::server
