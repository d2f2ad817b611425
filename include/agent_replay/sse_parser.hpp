#pragma once
// Server-Sent Events, read incrementally: a stream arrives in arbitrary
// chunks, and record mode wants each event with the time it completed.
#include <agent_replay/cassette.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace agent_replay {

class SseStreamParser {
public:
    using Clock = std::chrono::steady_clock;

    // Feeds the next bytes of the stream; events completed by them are stamped `now`.
    void feed(std::string_view bytes, Clock::time_point now = Clock::now());
    // Ends the stream: a last event without its blank line still counts.
    void finish(Clock::time_point now = Clock::now());

    const std::vector<SseEvent>& events() const { return events_; }
    // Median gap between consecutive events in milliseconds (0 with fewer than two).
    int median_gap_ms() const;

private:
    void line(std::string text, Clock::time_point now);

    std::string partial_line_;
    SseEvent current_;
    bool has_data_ = false;
    std::vector<SseEvent> events_;
    std::vector<Clock::time_point> completed_at_;
};

// Splits a whole text/event-stream body into events.
std::vector<SseEvent> parse_sse_stream(const std::string& body);

}  // namespace agent_replay
