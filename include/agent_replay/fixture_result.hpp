#pragma once
// What one replay of one fixture concluded; serialised as verdict.json and
// read back to build the suite reports.
#include <agent_replay/trace.hpp>
#include <agent_replay/verdict.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>

#include <string>
#include <vector>

namespace agent_replay {

// A quarantine from notes.json, as the replay found it.
struct QuarantineStatus {
    std::string reason;
    std::string owner;
    std::string until;
    bool expired = false;
};

struct FixtureResult {
    std::string fixture_id;
    std::string suite;
    std::string fixture_dir;
    std::string tier;
    std::string run_id;
    std::string mode;
    Verdict verdict = Verdict::inconclusive;
    std::vector<Reason> reasons;
    std::string failure_class;  // from notes.json: the class this fixture protects
    std::string replay_command;
    std::string replay_flags;  // what the run added to the fixture (--set-env, --seed), as command-line flags
    std::string started_at;     // UTC, ISO 8601
    double duration_seconds = 0;
    int exit_code = -1;
    int signal = 0;
    std::vector<std::string> artifacts;  // workspace-relative paths
    std::string workspace;               // kept workspace, "" when removed after a pass
    std::string report_dir;              // this fixture's folder with stdout/stderr/trace
    std::vector<TraceEvent> trace;
    std::optional<QuarantineStatus> quarantine;
    std::optional<std::uint64_t> seed;  // the run-wide fault seed, when one was given
    std::string cassette_written;       // record/live: the tool_cassettes.json written, "" if none
};

void to_json(nlohmann::json& out, const FixtureResult& result);
void from_json(const nlohmann::json& in, FixtureResult& result);

}  // namespace agent_replay
