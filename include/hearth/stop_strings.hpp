// Streaming text through user stop strings: text that might be the start of a stop string is
// held back until it is clear, so the caller never sees any part of a stop string.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hearth {

class StopStringFilter {
public:
    explicit StopStringFilter(std::vector<std::string> stops);

    // Adds generated text; returns the part that is now safe to show.
    std::string push(std::string_view piece);
    // True once a stop string was seen; text() then ends right before it.
    bool stopped() const noexcept { return stopped_; }
    // Everything held back (call at the end when no stop string was found).
    std::string flush();
    // All text accepted so far (up to the stop string).
    const std::string& text() const noexcept { return text_; }

private:
    std::vector<std::string> stops_;
    std::string text_;
    size_t emitted_ = 0;
    bool stopped_ = false;
};

}  // namespace hearth
