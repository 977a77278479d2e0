// The --jsonl mode of `hearth tokenize` and `hearth embed`: one JSON request object per line of
// stdin, exactly one line back for each (blank and bad lines too, as {"error": "..."}), so the
// output lines up with the input.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace hearth::cli {

// Answers every line of stdin with answer(request) followed by a newline, or with an error
// object when parsing the line or answer throws. The request is the line's JSON object, checked
// to hold a string "text". Returns 1 when some line failed, else 0.
int answer_jsonl_lines(const std::function<std::string(const nlohmann::json& request)>& answer);

// request[key] as a bool, fallback when absent; std::runtime_error naming the key otherwise.
bool jsonl_flag(const nlohmann::json& request, const char* key, bool fallback);

}  // namespace hearth::cli
