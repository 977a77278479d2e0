// JSON string literals: one escaping routine for everything hearth writes as JSON (the CLI's
// --json/--jsonl output and the chat templates' tojson filter).
#pragma once

#include <string>
#include <string_view>

namespace hearth::util {

// Appends s to out as a JSON string literal (quotes included). Valid UTF-8 is kept as is (like
// Python's json.dumps(ensure_ascii=False)); control characters are escaped; invalid UTF-8 bytes
// become \ufffd so the output is always valid JSON.
void append_json_string(std::string& out, std::string_view s);

}  // namespace hearth::util
