// Parser of the Jinja subset: tokens -> statement tree. Syntax errors throw
// hearth::Error(invalid_argument) naming line and column; nesting depth is bounded.
#pragma once

#include <vector>

#include "chat/ast.hpp"
#include "chat/lexer.hpp"

namespace hearth::jinja {

Body parse(const std::vector<Token>& tokens);

}  // namespace hearth::jinja
