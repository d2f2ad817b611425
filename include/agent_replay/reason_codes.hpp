#pragma once
// The one catalogue of reason codes. Digests, the `reasons` command and the
// README runbook are generated from it, so a code never means two things.
#include <span>
#include <string>
#include <string_view>

namespace agent_replay {

struct ReasonCodeInfo {
    std::string_view code;
    std::string_view check;             // which contract check emits it
    std::string_view root_cause_class;  // output, workspace, tool_use, side_effects, resources, process, network, contract, harness
    std::string_view meaning;           // what was observed
    std::string_view typical_cause;     // what usually broke in the agent
    std::string_view remediation;       // where to look first
};

std::span<const ReasonCodeInfo> reason_catalogue();

// nullptr for a code that is not in the catalogue.
const ReasonCodeInfo* find_reason_code(std::string_view code);

// The catalogue as a Markdown table (the README runbook embeds exactly this).
std::string reason_catalogue_markdown();

}  // namespace agent_replay
