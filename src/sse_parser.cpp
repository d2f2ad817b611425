#include <agent_replay/sse_parser.hpp>

#include <algorithm>

namespace agent_replay {

void SseStreamParser::feed(std::string_view bytes, Clock::time_point now) {
    std::size_t start = 0;
    while (start < bytes.size()) {
        std::size_t end = bytes.find('\n', start);
        if (end == std::string_view::npos) {
            partial_line_.append(bytes.substr(start));
            return;
        }
        partial_line_.append(bytes.substr(start, end - start));
        std::string text = std::move(partial_line_);
        partial_line_.clear();
        if (!text.empty() && text.back() == '\r') text.pop_back();
        line(std::move(text), now);
        start = end + 1;
    }
}

void SseStreamParser::finish(Clock::time_point now) {
    if (!partial_line_.empty()) {
        std::string text = std::move(partial_line_);
        partial_line_.clear();
        if (!text.empty() && text.back() == '\r') text.pop_back();
        line(std::move(text), now);
    }
    line("", now);
}

void SseStreamParser::line(std::string text, Clock::time_point now) {
    if (text.empty()) {  // a blank line dispatches the event (comments alone dispatch nothing)
        if (has_data_) {
            events_.push_back(std::move(current_));
            completed_at_.push_back(now);
        }
        current_ = SseEvent{};
        has_data_ = false;
        return;
    }
    auto colon = text.find(':');
    std::string field = text.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : text.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (field == "data") {
        current_.data += (has_data_ ? "\n" : "") + value;
        has_data_ = true;
    } else if (field == "event") {
        current_.event = value;
    } else if (field == "id") {
        current_.id = value;
    }
}

int SseStreamParser::median_gap_ms() const {
    if (completed_at_.size() < 2) return 0;
    std::vector<long long> gaps;
    for (std::size_t i = 1; i < completed_at_.size(); ++i) {
        gaps.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(completed_at_[i] - completed_at_[i - 1]).count());
    }
    std::nth_element(gaps.begin(), gaps.begin() + static_cast<long>(gaps.size() / 2), gaps.end());
    return static_cast<int>(std::max(0LL, gaps[gaps.size() / 2]));
}

std::vector<SseEvent> parse_sse_stream(const std::string& body) {
    SseStreamParser parser;
    parser.feed(body);
    parser.finish();
    return parser.events();
}

}  // namespace agent_replay
