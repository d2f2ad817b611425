// Server-Sent Events read in arbitrary chunks, as a stream arrives.
#include <agent_replay/sse_parser.hpp>

#include <gtest/gtest.h>

namespace agent_replay {
namespace {

using Clock = SseStreamParser::Clock;

TEST(SseStreamParser, EventsSplitAcrossChunksAreJoinedAndStampedWhenComplete) {
    SseStreamParser parser;
    Clock::time_point t0 = Clock::now();
    parser.feed("event: delta\nda", t0);
    parser.feed("ta: {\"n\": 1}\r\n", t0 + std::chrono::milliseconds(5));
    EXPECT_TRUE(parser.events().empty()) << "no blank line yet";
    parser.feed("\r\n: keep-alive comment\n\n", t0 + std::chrono::milliseconds(10));
    parser.feed("data: line one\ndata: line two\n\n", t0 + std::chrono::milliseconds(210));
    parser.feed("id: 7\ndata: [DONE]", t0 + std::chrono::milliseconds(400));
    parser.finish(t0 + std::chrono::milliseconds(420));

    ASSERT_EQ(parser.events().size(), 3u);
    EXPECT_EQ(parser.events()[0].event, "delta");
    EXPECT_EQ(parser.events()[0].data, "{\"n\": 1}");
    EXPECT_EQ(parser.events()[1].data, "line one\nline two");
    EXPECT_EQ(parser.events()[2].id, "7");
    EXPECT_EQ(parser.events()[2].data, "[DONE]");
    EXPECT_EQ(parser.median_gap_ms(), 210) << "gaps 200 and 210 ms";
}

TEST(SseStreamParser, FewerThanTwoEventsHaveNoPacing) {
    EXPECT_EQ(SseStreamParser().median_gap_ms(), 0);
    EXPECT_EQ(parse_sse_stream("data: only\n\n").size(), 1u);
    EXPECT_TRUE(parse_sse_stream(": comment only\n\n").empty());
}

}  // namespace
}  // namespace agent_replay
