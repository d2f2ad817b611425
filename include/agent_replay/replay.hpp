#pragma once
// One replay of one fixture, end to end (SPEC §3–4): load, materialise the
// workspace, start the cassette proxy, run the agent, judge, write verdict.json.
#include <agent_replay/cassette_proxy.hpp>
#include <agent_replay/fixture_result.hpp>

#include <atomic>
#include <filesystem>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace agent_replay {

struct ReplayOptions {
    ProxyMode mode = ProxyMode::cassette;
    std::filesystem::path report_dir = "agent-replay-report";
    std::string suite_name;  // "" = the fixture's parent directory name
    // Added to the agent's environment last (e.g. to select a build of the agent).
    std::map<std::string, std::string> extra_env;
    std::size_t output_limit = 1 << 20;
    // When set (e.g. by a SIGINT handler) the running agent is stopped and the
    // fixture ends `inconclusive`/`harness_error`.
    const std::atomic<bool>* interrupt = nullptr;
    // Mixed into every fault seed of the cassettes: another value, another
    // (still reproducible) fault sequence; unset, the cassettes' own seeds.
    std::optional<std::uint64_t> seed;
};

// Never throws for a bad fixture or a failing agent: those are verdicts
// (`inconclusive`/`fixture_invalid`, `failed`, ...). The result is also
// written to <report_dir>/fixtures/<id>/verdict.json.
FixtureResult replay_fixture(const std::filesystem::path& fixture_dir, const ReplayOptions& options);

// After a record or live run: writes what `proxy` captured to the fixture's
// tool_cassettes.json (the previous one kept as tool_cassettes.json.bak) and
// returns its path; "" when nothing was captured, so a failed recording
// never wipes a good cassette.
std::string save_captured_cassette(const CassetteProxy& proxy, const std::filesystem::path& fixture_dir);

// Where a fixture's verdict.json, stdout.txt, stderr.txt, trace.jsonl and
// (when it did not pass) workspace/ go.
std::filesystem::path fixture_report_dir(const std::filesystem::path& report_dir, const std::string& fixture_id);

}  // namespace agent_replay
