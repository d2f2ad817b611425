#pragma once
// Contract checks (SPEC §2, expected.json): each looks at what the run left
// behind and returns the reasons it fails, empty when it holds.
#include <agent_replay/agent_process.hpp>
#include <agent_replay/fixture.hpp>
#include <agent_replay/trace.hpp>
#include <agent_replay/verdict.hpp>
#include <agent_replay/workspace.hpp>

#include <filesystem>
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
};

std::vector<Reason> check_exit(const Contract& contract, const RunObservation& run);
std::vector<Reason> check_artifacts(const Contract& contract, const RunObservation& run);
std::vector<Reason> check_mutations(const Contract& contract, const RunObservation& run);
std::vector<Reason> check_tools(const Contract& contract, const RunObservation& run);
std::vector<Reason> check_budget(const Contract& contract, const RunObservation& run);
std::vector<Reason> check_network(const RunObservation& run);

// All checks in a fixed order. A run that was killed (timeout, strict abort)
// did not finish, so only the budget and network checks judge it.
std::vector<Reason> evaluate_contract(const Contract& contract, const RunObservation& run);

// The verdict the reasons lead to, with `unexpected_status` added when the
// contract expects another one.
Verdict decide_verdict(const Contract& contract, std::vector<Reason>& reasons);

// Workspace paths (sorted) that match any artifact glob of the contract.
std::vector<std::string> artifact_paths(const Contract& contract, const WorkspaceSnapshot& after);

}  // namespace agent_replay
