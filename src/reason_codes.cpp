#include <agent_replay/reason_codes.hpp>

#include <array>

namespace agent_replay {
namespace {

constexpr std::array<ReasonCodeInfo, 24> kCatalogue{{
    {"unexpected_status", "status", "contract",
     "the agent escalated where it should have finished, or finished where it should have escalated",
     "a changed stop/escalate rule in the agent's policy or prompt",
     "compare verdict.json with expected.json `status`; events.jsonl holds the escalation"},
    {"nonzero_exit", "exit", "process", "the agent exited with a code other than the expected one",
     "an unhandled error, often a tool failure the agent gives up on", "stderr.txt in the fixture's report folder"},
    {"crashed", "exit", "process", "the agent was killed by a signal it did not handle",
     "a native crash, an abort, or the OOM killer", "stderr.txt; run the replay command under a debugger"},
    {"missing_artifact_ref", "artifacts", "output", "an artifact the contract requires was not written",
     "the final write step was skipped or failed after an earlier error",
     "the kept workspace shows what was written; stderr.txt shows why not"},
    {"empty_output", "artifacts", "output", "an artifact exists but is empty (0 bytes, blank, or an empty JSON value)",
     "an empty model answer passed through without a check",
     "the model response in trace.jsonl; how the agent serialises its result"},
    {"schema_mismatch", "artifacts", "output", "an artifact does not validate against its JSON Schema",
     "a changed output format or a prompt that no longer yields structured output",
     "the reason detail lists each schema error with its JSON pointer"},
    {"artifact_content_mismatch", "artifacts", "output",
     "an artifact's content differs at a JSON pointer, or misses (or holds) required text or a pattern",
     "a prompt or formatting change that dropped required content (citations, fields)",
     "the reason detail shows the pointer, text or pattern and what was found"},
    {"missing_evidence_path", "evidence", "output", "the artifact cites evidence that does not exist in the workspace",
     "hallucinated sources: the model cites files it never read", "compare the cited paths with the fixture's state"},
    {"forbidden_mutation", "mutations", "workspace", "the agent created, modified or deleted a file it must not touch",
     "a tool call with the wrong target path, or an over-eager cleanup",
     "the reason detail lists each changed path; diff the kept workspace against the state"},
    {"diff_out_of_bounds", "diffs", "workspace", "a file changed by more lines (or more files changed) than allowed",
     "a rewrite where an append or a small edit was intended",
     "the reason detail gives added/removed lines; diff the kept workspace against the state"},
    {"forbidden_tool", "tools", "tool_use", "the agent called a tool outside the allow-list or on the forbid list",
     "a new tool or fallback path that bypasses the allow-list", "trace.jsonl shows the call and the route it matched"},
    {"missing_tool_call", "tools", "tool_use", "a required tool was never called",
     "a skipped step: the agent answered from the model alone", "trace.jsonl lists the calls made"},
    {"tool_budget_exceeded", "tools", "tool_use", "a tool was called more often than its max_calls",
     "pagination or retries without a bound", "trace.jsonl; count the calls per tool"},
    {"loop_detected", "tools", "tool_use", "the same call (tool, method, path, query, body) repeated more than allowed",
     "a loop that does not change its input after a failure", "trace.jsonl; look for equal call_key values"},
    {"trajectory_mismatch", "tools", "tool_use", "the required tools were called, but not in the required order",
     "a reordered plan, e.g. answering before searching", "trace.jsonl against expected.json tools.trajectory"},
    {"side_effect_unconfirmed", "side_effects", "side_effects", "a mutating request matched no recorded interaction",
     "a new or changed write to an external system", "trace.jsonl; the miss names the closest recorded interaction"},
    {"duplicate_side_effect", "side_effects", "side_effects", "a side effect ran more than once",
     "a retry of a non-idempotent request without an Idempotency-Key",
     "trace.jsonl: the repeated request, its fault and its idempotency_key"},
    {"timeout", "budget", "resources", "the run exceeded its wall-clock budget and was killed",
     "a hang on a slow tool, a missing timeout, or an endless loop",
     "stderr.txt and trace.jsonl show the last thing the agent did"},
    {"budget_exceeded", "budget", "resources", "the run used more tool calls or tokens than allowed",
     "a prompt that grew or a model call repeated", "trace.jsonl: tokens per call"},
    {"unrecorded_request", "network", "network", "the agent made a request the cassettes do not hold",
     "a new call, or a changed request body or query",
     "the reason detail names the closest recorded interaction and what differs"},
    {"quarantined", "quarantine", "contract", "the fixture is quarantined in notes.json and was skipped",
     "a known failure someone owns and has promised to fix by the date given",
     "notes.json quarantine: reason, owner, until"},
    {"quarantine_expired", "quarantine", "contract", "the fixture's quarantine date has passed; the run fails until it is fixed or renewed",
     "a quarantine nobody followed up on", "fix the fixture or set a new quarantine.until with a reason and owner"},
    {"fixture_invalid", "fixture", "harness", "the fixture itself cannot be loaded (file, line and column in the message)",
     "a typo or a stale field in the fixture's JSON", "fix the named file; other fixtures still run"},
    {"harness_error", "harness", "harness",
     "agent-replay itself failed (proxy could not start, workspace not writable, interrupted, ...)",
     "the machine, not the agent", "the message names the failing step; rerun the replay command"},
}};

std::string cell(std::string_view text) { return std::string(text); }

}  // namespace

std::span<const ReasonCodeInfo> reason_catalogue() { return kCatalogue; }

const ReasonCodeInfo* find_reason_code(std::string_view code) {
    for (const auto& info : kCatalogue) {
        if (info.code == code) return &info;
    }
    return nullptr;
}

std::string reason_catalogue_markdown() {
    std::string out = "| code | check | class | what it means | typical root cause | where to look |\n"
                      "|---|---|---|---|---|---|\n";
    for (const auto& info : kCatalogue) {
        out += "| `" + cell(info.code) + "` | " + cell(info.check) + " | " + cell(info.root_cause_class) + " | " +
               cell(info.meaning) + " | " + cell(info.typical_cause) + " | " + cell(info.remediation) + " |\n";
    }
    return out;
}

}  // namespace agent_replay
