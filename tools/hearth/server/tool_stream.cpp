// Holding back possible tool calls in a stream (tool_stream.hpp).
#include "server/tool_stream.hpp"

#include <algorithm>

namespace hearth::server {

namespace {

constexpr std::string_view kOpen = "<tool_call>";

// Length of the longest end of text that is a proper beginning of marker (it may yet complete).
size_t partial_marker(std::string_view text, std::string_view marker) {
    for (size_t n = std::min(text.size(), marker.size() - 1); n > 0; --n)
        if (marker.starts_with(text.substr(text.size() - n))) return n;
    return 0;
}

}  // namespace

std::string ToolCallStream::feed(std::string_view text) {
    if (!tools_->active() || plain_) return std::string(text);
    held_ += text;
    if (holding_rest_) return {};
    std::string out;
    if (format_.family == ToolFamily::hermes) {
        // Calls may follow text: send what precedes <tool_call> (or a partial one at the end).
        const size_t open = held_.find(kOpen);
        const size_t keep = open != std::string::npos ? held_.size() - open : partial_marker(held_, kOpen);
        holding_rest_ = open != std::string::npos;
        out = held_.substr(0, held_.size() - keep);
        held_.erase(0, held_.size() - keep);
        return out;
    }
    // json family: a call is the whole answer, so its first visible character decides.
    const size_t first = held_.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    if (held_[first] == '{' || held_[first] == '<') {  // '<': Llama's <|python_tag|>
        holding_rest_ = true;
        return {};
    }
    plain_ = true;
    out.swap(held_);
    return out;
}

ParsedAnswer ToolCallStream::finish() {
    ParsedAnswer answer = parse_tool_calls(format_, held_, *tools_);
    held_.clear();
    return answer;
}

}  // namespace hearth::server
