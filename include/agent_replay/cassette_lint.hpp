#pragma once
// `agent-replay cassette lint`: problems a cassette can have that no replay
// will point out by itself.
#include <agent_replay/cassette.hpp>
#include <agent_replay/trace.hpp>

#include <optional>
#include <string>
#include <vector>

namespace agent_replay {

struct LintFinding {
    std::string kind;  // unreachable | duplicate | unredacted_secret | unused
    std::string interaction_id;
    std::string message;
    bool is_error = false;  // errors make the lint fail; the rest are warnings
};

// `last_trace`: the trace of the fixture's last replay, to list interactions it never used.
std::vector<LintFinding> lint_cassette(const Cassette& cassette, const std::optional<std::vector<TraceEvent>>& last_trace);

}  // namespace agent_replay
