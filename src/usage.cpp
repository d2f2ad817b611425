#include <agent_replay/usage.hpp>

#include <algorithm>

namespace agent_replay {
namespace {

struct Usage {
    std::int64_t input = 0;   // prompt_tokens | input_tokens
    std::int64_t output = 0;  // completion_tokens | output_tokens
    std::int64_t total = 0;   // total_tokens
};

std::int64_t count_at(const Json& usage, const char* key) {
    auto found = usage.find(key);
    return found != usage.end() && found->is_number_integer() ? std::max<std::int64_t>(0, found->get<std::int64_t>()) : 0;
}

// Takes the largest figures of every `usage` object in `document` (top level,
// or nested one level as Anthropic's message_start puts it under "message").
void take_usage(const Json& document, Usage& usage) {
    if (!document.is_object()) return;
    for (const Json* holder : {&document, document.contains("message") ? &document["message"] : nullptr}) {
        if (!holder || !holder->is_object()) continue;
        auto found = holder->find("usage");
        if (found == holder->end() || !found->is_object()) continue;
        usage.input = std::max({usage.input, count_at(*found, "prompt_tokens"), count_at(*found, "input_tokens")});
        usage.output = std::max({usage.output, count_at(*found, "completion_tokens"), count_at(*found, "output_tokens")});
        usage.total = std::max(usage.total, count_at(*found, "total_tokens"));
    }
}

}  // namespace

std::int64_t usage_tokens(const RecordedResponse& response) {
    Usage usage;
    if (response.sse.empty()) {
        take_usage(parse_untrusted_json(response.body), usage);
    } else {
        for (const auto& event : response.sse) take_usage(parse_untrusted_json(event.data), usage);
    }
    return usage.total > 0 ? usage.total : usage.input + usage.output;
}

}  // namespace agent_replay
