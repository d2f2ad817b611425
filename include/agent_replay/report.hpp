#pragma once
// The report directory (SPEC §6): one verdict.json per fixture, written by
// whichever process replayed it, and suite reports merged from them. Every
// file is written to a temporary name and renamed, so parallel CTest
// processes never see (or produce) half a file.
#include <agent_replay/fixture_result.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace agent_replay {

// Writes `content` to `file` via a temporary sibling and rename(2).
// Throws std::runtime_error when the directory is not writable.
void write_file_atomically(const std::filesystem::path& file, const std::string& content);

// <report_dir>/fixtures/<folder>/verdict.json
void write_fixture_result(const std::filesystem::path& report_dir, const std::string& folder,
                          const FixtureResult& result);

// Every verdict.json under <report_dir>/fixtures, sorted by fixture id. A
// verdict file that cannot be read becomes an inconclusive harness_error entry.
std::vector<FixtureResult> read_fixture_results(const std::filesystem::path& report_dir);

// JUnit XML valid against Jenkins xUnit's junit-10.xsd (see shared/schemas).
std::string junit_xml(const std::string& suite_name, const std::vector<FixtureResult>& results);

// Reads all verdicts and writes the suite reports (junit.xml, summary.json,
// replay_bundle.json, digests/, report.html); returns junit.xml's path.
std::filesystem::path merge_report(const std::filesystem::path& report_dir, const std::string& suite_name);

// Copies every fixture folder of `from`/fixtures into `into`/fixtures
// (replacing one of the same name); returns the fixture folder names copied.
std::vector<std::string> import_fixture_reports(const std::filesystem::path& from, const std::filesystem::path& into);

// Removes earlier verdicts and suite reports from `report_dir` (anything else is kept).
void reset_report(const std::filesystem::path& report_dir);

// The text a verdict shows humans: the replay command, then one line per reason.
std::string failure_text(const FixtureResult& result);

}  // namespace agent_replay
