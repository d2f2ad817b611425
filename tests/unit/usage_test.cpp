// Token usage from recorded OpenAI- and Anthropic-shaped responses.
#include <agent_replay/usage.hpp>

#include <gtest/gtest.h>

namespace agent_replay {
namespace {

RecordedResponse body(const std::string& text) {
    RecordedResponse response;
    response.body = text;
    return response;
}

RecordedResponse stream(std::vector<std::string> events) {
    RecordedResponse response;
    for (auto& data : events) response.sse.push_back(SseEvent{"", "", std::move(data)});
    return response;
}

TEST(UsageTokens, OpenAiChatCompletion) {
    EXPECT_EQ(usage_tokens(body(R"({"usage": {"prompt_tokens": 169, "completion_tokens": 87, "total_tokens": 256}})")), 256);
    EXPECT_EQ(usage_tokens(body(R"({"usage": {"prompt_tokens": 10, "completion_tokens": 5}})")), 15);
}

TEST(UsageTokens, AnthropicMessage) {
    EXPECT_EQ(usage_tokens(body(R"({"type": "message", "usage": {"input_tokens": 120, "output_tokens": 30}})")), 150);
}

TEST(UsageTokens, OpenAiStreamReportsUsageInItsLastChunk) {
    EXPECT_EQ(usage_tokens(stream({R"({"choices": [{"delta": {"content": "Hi"}}], "usage": null})",
                                   R"({"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}})",
                                   "[DONE]"})),
              11);
}

TEST(UsageTokens, AnthropicStreamCountsOutputOnceNotPerEvent) {
    EXPECT_EQ(usage_tokens(stream({R"({"type": "message_start", "message": {"usage": {"input_tokens": 25, "output_tokens": 1}}})",
                                   R"({"type": "content_block_delta", "delta": {"text": "Hello"}})",
                                   R"({"type": "message_delta", "usage": {"output_tokens": 15}})"})),
              40);
}

TEST(UsageTokens, NoUsageIsZero) {
    EXPECT_EQ(usage_tokens(body(R"({"hits": []})")), 0);
    EXPECT_EQ(usage_tokens(body("not json")), 0);
    EXPECT_EQ(usage_tokens(body(R"({"usage": {"total_tokens": -5}})")), 0);
}

}  // namespace
}  // namespace agent_replay
