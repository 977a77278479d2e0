// Streaming with tools offered: text that may be the start of a tool call is held back, so a
// client never receives a call as content; at the end the held text is read for calls.
#pragma once

#include <string>
#include <string_view>

#include "server/tool_calls.hpp"

namespace hearth::server {

class ToolCallStream {
public:
    // tools must outlive the stream.
    ToolCallStream(ToolFormat format, const ToolRequest& tools) : format_(std::move(format)), tools_(&tools) {}

    // The part of the text so far that is certainly content and not yet returned (may be empty).
    std::string feed(std::string_view text);
    // At the end of generation: the held text read for calls; its content is still to be sent.
    ParsedAnswer finish();

private:
    ToolFormat format_;
    const ToolRequest* tools_;
    std::string held_;
    bool holding_rest_ = false;  // a call has begun: everything from here on is held
    bool plain_ = false;         // json family: the answer began as text, no call can follow
};

}  // namespace hearth::server
