// Stop-string matching over the growing generated text.
#include "hearth/stop_strings.hpp"

#include <algorithm>

namespace hearth {

StopStringFilter::StopStringFilter(std::vector<std::string> stops) : stops_(std::move(stops)) {
    std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
}

std::string StopStringFilter::push(std::string_view piece) {
    if (stopped_) return {};
    text_ += piece;
    // A new match can only end inside the new piece, so only that window is searched.
    size_t first_stop = std::string::npos;
    for (const std::string& s : stops_) {
        const size_t from = text_.size() - piece.size() >= s.size() ? text_.size() - piece.size() - s.size() + 1 : 0;
        const size_t at = text_.find(s, std::min(from, text_.size()));
        first_stop = std::min(first_stop, at);
    }
    if (first_stop != std::string::npos) {
        stopped_ = true;
        text_.resize(std::max(first_stop, emitted_));
        std::string out = text_.substr(emitted_);
        emitted_ = text_.size();
        return out;
    }
    // Hold back the longest tail of the text that is a proper prefix of some stop string.
    size_t hold = 0;
    for (const std::string& s : stops_)
        for (size_t len = std::min(s.size() - 1, text_.size()); len > hold; --len)
            if (text_.compare(text_.size() - len, len, s, 0, len) == 0) {
                hold = len;
                break;
            }
    const size_t safe = std::max(emitted_, text_.size() - hold);
    std::string out = text_.substr(emitted_, safe - emitted_);
    emitted_ = safe;
    return out;
}

std::string StopStringFilter::flush() {
    std::string out = text_.substr(emitted_);
    emitted_ = text_.size();
    return out;
}

}  // namespace hearth
