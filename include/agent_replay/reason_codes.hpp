#pragma once
// The one catalogue of reason codes. Reports, digests and the README runbook
// are derived from it, so a code never means two things.
#include <span>
#include <string_view>

namespace agent_replay {

struct ReasonCodeInfo {
    std::string_view code;
    std::string_view check;        // which contract check emits it
    std::string_view meaning;      // what was observed
    std::string_view remediation;  // where to look first
};

std::span<const ReasonCodeInfo> reason_catalogue();
// nullptr for a code that is not in the catalogue.
const ReasonCodeInfo* find_reason_code(std::string_view code);

}  // namespace agent_replay
