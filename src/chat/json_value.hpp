// JSON text -> template values: how tool lists and tool-call arguments, which reach the library
// as JSON text, become the lists and dicts a chat template walks.
#pragma once

#include <string_view>

#include "chat/value.hpp"

namespace hearth::jinja {

// The value of a JSON text, objects as insertion-ordered dicts (keys keep the text's order, as
// Python's json.loads keeps them). Throws hearth::Error(invalid_argument) "<what>: ..." for
// invalid JSON.
Value value_from_json(std::string_view json_text, std::string_view what);

}  // namespace hearth::jinja
