#pragma once
// Token usage reported by recorded model responses, for budget.max_tokens.
#include <agent_replay/cassette.hpp>

#include <cstdint>

namespace agent_replay {

// Tokens a recorded response reports in its `usage` object: OpenAI's
// total_tokens (or prompt_tokens + completion_tokens), Anthropic's
// input_tokens + output_tokens. A stream reports usage piecemeal (OpenAI in
// its last chunk, Anthropic's output count growing from message_start to
// message_delta), so each figure is the largest any event reports.
// 0 when the response reports none.
std::int64_t usage_tokens(const RecordedResponse& response);

}  // namespace agent_replay
