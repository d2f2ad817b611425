#include <agent_replay/reason_codes.hpp>

#include <array>

namespace agent_replay {
namespace {

constexpr std::array<ReasonCodeInfo, 21> kCatalogue{{
    {"unexpected_status", "status", "the run reached a different verdict than the contract's `status`",
     "compare the verdict.json reasons with expected.json `status`"},
    {"nonzero_exit", "exit", "the agent exited with a code other than the expected one",
     "read stderr.txt in the fixture's report folder"},
    {"crashed", "exit", "the agent was killed by a signal it did not handle",
     "read stderr.txt; run the replay command under a debugger"},
    {"missing_artifact_ref", "artifacts", "an artifact the contract requires was not written",
     "look for the write in the agent's final step; the kept workspace shows what was written"},
    {"empty_output", "artifacts", "an artifact exists but is empty (0 bytes, blank, or an empty JSON value)",
     "check how the agent serialises its result; the model response in the trace may be empty"},
    {"schema_mismatch", "artifacts", "an artifact does not validate against its JSON Schema",
     "the detail lists each schema error with its JSON pointer"},
    {"artifact_content_mismatch", "artifacts", "an artifact's content differs at a JSON pointer",
     "the detail shows expected and actual values"},
    {"missing_evidence_path", "evidence", "the artifact cites evidence that does not exist in the workspace",
     "compare the cited paths with the fixture's state/"},
    {"forbidden_mutation", "mutations", "the agent created, modified or deleted a file it must not touch",
     "the detail lists each changed path; diff it against the fixture state"},
    {"diff_out_of_bounds", "diffs", "a file changed by more lines than the contract allows",
     "inspect the kept workspace against the fixture state"},
    {"forbidden_tool", "tools", "the agent called a tool outside the allow-list or on the forbid list",
     "trace.jsonl shows the call, its path and the route it matched"},
    {"missing_tool_call", "tools", "a required tool was never called", "trace.jsonl lists the calls made"},
    {"tool_budget_exceeded", "tools", "a tool was called more often than allowed",
     "trace.jsonl; look for retry loops"},
    {"loop_detected", "tools", "the same tool call repeated more often than allowed", "trace.jsonl"},
    {"trajectory_mismatch", "tools", "the required ordered sequence of tool calls did not happen",
     "trace.jsonl against expected.json tools"},
    {"side_effect_unconfirmed", "side_effects", "a mutating request did not match a recorded one",
     "trace.jsonl; the proxy's miss report names the closest interaction"},
    {"duplicate_side_effect", "side_effects", "a mutating request ran more than once",
     "look for retries without idempotency keys"},
    {"timeout", "budget", "the run exceeded its wall-clock budget and was killed",
     "stderr.txt and trace.jsonl show the last thing the agent did"},
    {"budget_exceeded", "budget", "the run used more tool calls or tokens than allowed", "trace.jsonl"},
    {"unrecorded_request", "network", "the agent made a request the cassettes do not hold",
     "the reason detail names the closest recorded interaction and what differs"},
    {"fixture_invalid", "fixture", "the fixture itself cannot be loaded (file, line and column in the message)",
     "fix the named file; other fixtures still run"},
}};

// Kept apart from the contract codes above: these come from the harness, not the agent.
constexpr ReasonCodeInfo kHarnessError{"harness_error", "harness",
                                       "agent-replay itself failed (proxy could not start, workspace not writable, ...)",
                                       "the message names the failing step; rerun the replay command"};

}  // namespace

std::span<const ReasonCodeInfo> reason_catalogue() {
    static const auto all = [] {
        std::array<ReasonCodeInfo, kCatalogue.size() + 1> out{};
        for (std::size_t i = 0; i < kCatalogue.size(); ++i) out[i] = kCatalogue[i];
        out[kCatalogue.size()] = kHarnessError;
        return out;
    }();
    return all;
}

const ReasonCodeInfo* find_reason_code(std::string_view code) {
    for (const auto& info : reason_catalogue()) {
        if (info.code == code) return &info;
    }
    return nullptr;
}

}  // namespace agent_replay
