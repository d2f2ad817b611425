#pragma once
// The report set of a batch (SPEC §6), written next to junit.xml:
// summary.json, replay_bundle.json, digests/<fixture_id>.json, report.html,
// and with a baseline, triage_diff.json.
#include <agent_replay/fixture_result.hpp>
#include <agent_replay/json_document.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace agent_replay {

// What a batch ran with, for reproducing it elsewhere.
struct ReportEnvironment {
    std::string suite;      // suite name in the reports
    std::string suite_dir;  // the suite directory, repository-relative when inside it
    std::string mode;       // cassette | strict | live
    std::string git_sha;    // "" outside a git checkout
    std::optional<std::uint64_t> seed;  // run-wide fault seed (--seed), if any
    std::string replay_flags;           // --set-env/--seed flags every fixture ran with
    std::optional<int> shard_index;
    std::optional<int> shard_total;
    std::string report_dir;  // where the reports are written
};

// The environment of `results` (mode, suite directory, git sha of its checkout).
ReportEnvironment environment_of(const std::vector<FixtureResult>& results, const std::string& suite_name,
                                 const std::filesystem::path& report_dir);

// The commit checked out at `repo_root`, read from .git without running git; "" if none.
std::string git_sha_of(const std::filesystem::path& repo_root);

Json summary_json(const std::vector<FixtureResult>& results, const ReportEnvironment& environment);
Json replay_bundle_json(const std::vector<FixtureResult>& results, const ReportEnvironment& environment);
Json digest_json(const FixtureResult& result);

// What is wrong with a summary.json to diff against (named by field), or nullopt.
std::optional<std::string> baseline_summary_problem(const Json& summary);

// Compares this batch with a baseline summary.json: "regression" when a
// fixture fails that did not fail there, or fails with a reason code it did
// not have; "known_failures_only" when every failure is a known one;
// "stable" when nothing fails. Diagnostics are ranked: regressions first
// (critical tier first), then known failures.
Json triage_diff_json(const Json& baseline_summary, const std::vector<FixtureResult>& results,
                      const ReportEnvironment& environment);

// Writes junit.xml, summary.json, replay_bundle.json, digests/ and
// report.html into `report_dir` (each atomically); returns junit.xml's path.
std::filesystem::path write_suite_reports(const std::filesystem::path& report_dir, const std::vector<FixtureResult>& results,
                                          const ReportEnvironment& environment);

// A baseline summary.json, checked before anything runs; nullopt (after a
// message on stderr naming the problem) when it cannot serve as one.
std::optional<Json> read_baseline(const std::filesystem::path& baseline);

// Writes <report_dir>/triage_diff.json against `baseline`, prints its verdict
// and the commands to reproduce regressions; nullopt when the baseline is unusable.
std::optional<Json> write_triage(const std::filesystem::path& baseline, const std::vector<FixtureResult>& results,
                                 const ReportEnvironment& environment, const std::filesystem::path& report_dir);

// Fixture ids that failed in a summary.json (for --rerun-from); throws
// std::runtime_error naming the file when it is not a summary.
std::vector<std::string> failed_fixture_ids(const std::filesystem::path& summary_file);

}  // namespace agent_replay
