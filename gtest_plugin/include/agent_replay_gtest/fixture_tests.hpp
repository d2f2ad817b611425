#pragma once
// The GoogleTest plugin: one test per fixture directory, named
// <suite>.fixture_<id>, each replaying its fixture when (and only when) it runs.
#include <agent_replay/replay.hpp>

#include <cstddef>
#include <filesystem>
#include <string>

namespace agent_replay::gtest {

struct FixtureTestOptions {
    std::filesystem::path suite_dir;
    std::string suite_name;  // GoogleTest suite name; "" = the suite directory name
    ReplayOptions replay;
    std::string diff_from;  // baseline summary.json the merge triages against; "" = none
};

// Registers a test per fixture directory of `options.suite_dir` (listing the
// directory only: no fixture file is read until its test runs). Returns the
// number registered. Throws std::runtime_error if the suite cannot be listed.
std::size_t register_fixture_tests(const FixtureTestOptions& options);

// Writes a CTest script that adds one test per fixture (label "fixture" and
// its tier) plus the set-up/merge tests that build the suite's junit.xml.
void write_ctest_script(const FixtureTestOptions& options, const std::filesystem::path& runner,
                        const std::filesystem::path& output);

// main() of the fixture runner: GoogleTest flags plus --fixtures, --mode,
// --report-dir, --suite-name, --set-env, --no-merge, --merge-only,
// --reset-only, --emit-ctest. See --help.
int fixture_test_main(int argc, char** argv);

}  // namespace agent_replay::gtest
