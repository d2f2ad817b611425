#pragma once
// Contract checks (SPEC §2, expected.json): each looks at what the run left
// behind and returns the reasons it fails, empty when it holds.
#include <agent_replay/agent_process.hpp>
#include <agent_replay/fixture.hpp>
#include <agent_replay/trace.hpp>
#include <agent_replay/verdict.hpp>
#include <agent_replay/workspace.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace agent_replay {

// Everything a run produced that the contract may judge.
struct RunObservation {
    ProcessOutcome process;
    std::filesystem::path workspace;
    WorkspaceSnapshot after;
    WorkspaceChanges changes;
    std::vector<TraceEvent> trace;
    double timeout_seconds = 0;  // the limit the runner enforced
    // The fixture's state as it was before the run (for diffs); empty when
    // the contract has no diff bounds.
    std::filesystem::path baseline;
    // Set when the agent stopped and escalated (an {"type": "blocked"} line in
    // AGENT_REPLAY_EVENTS): the reason it gave.
    std::optional<std::string> escalation;
};

// The escalation an agent declared in its events file (JSONL): the first line
// whose "type" is "blocked" or "escalated", with its "reason" (may be empty).
// Lines that are not JSON objects are ignored.
std::optional<std::string> read_escalation(const std::filesystem::path& events_file);

std::vector<Reason> check_exit(const Contract& contract, const RunObservation& run);
std::vector<Reason> check_artifacts(const Contract& contract, const RunObservation& run);
std::vector<Reason> check_mutations(const Contract& contract, const RunObservation& run);
std::vector<Reason> check_evidence(const Contract& contract, const RunObservation& run);
std::vector<Reason> check_diffs(const Contract& contract, const RunObservation& run);
std::vector<Reason> check_tools(const Contract& contract, const RunObservation& run);
std::vector<Reason> check_side_effects(const Contract& contract, const RunObservation& run);
std::vector<Reason> check_budget(const Contract& contract, const RunObservation& run);
std::vector<Reason> check_network(const Contract& contract, const RunObservation& run);

// All checks in a fixed order. A run that was killed (timeout, strict abort)
// did not finish, so only the budget and network checks judge it; an agent
// that escalated wrote no result, so its artifacts, evidence and diffs are
// not judged.
std::vector<Reason> evaluate_contract(const Contract& contract, const RunObservation& run);

// The verdict the reasons lead to: `failed` for any error, `degraded` for
// warnings only, `blocked` when the agent escalated and the contract expects
// that, else `passed`; `unexpected_status` is added when the agent escalated
// against the contract or did not escalate when it should have.
Verdict decide_verdict(const Contract& contract, const RunObservation& run, std::vector<Reason>& reasons);

// Workspace paths (sorted) that match any artifact glob of the contract.
std::vector<std::string> artifact_paths(const Contract& contract, const WorkspaceSnapshot& after);

}  // namespace agent_replay
