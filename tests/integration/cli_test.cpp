// The agent-replay CLI and the fixture runner as users call them: real
// binaries, real fixture directories, exit codes and report files.
#include <agent_replay/json_document.hpp>

#include <gtest/gtest.h>

#include <regex>

#include "../support/test_support.hpp"

namespace agent_replay {
namespace {
namespace fs = std::filesystem;
using namespace testing_support;



class Cli : public ::testing::Test {
protected:
    void SetUp() override {
        suite_ = dir_.path() / "suite";
        copy_tree(inputs_dir() / "minimal_suite" / "echo", suite_ / "good");
        report_ = dir_.path() / "report";
    }
    int cli(const std::string& args, std::string* output = nullptr) {
        return run_shell("cd " + in_quotes(dir_.path()) + " && " + in_quotes(kCli) + " " + args + " 2>&1", output);
    }
    Json verdict_of(const std::string& id) { return Json::parse(read_file(report_ / "fixtures" / id / "verdict.json")); }

    TempDir dir_;
    fs::path suite_;
    fs::path report_;
};

TEST_F(Cli, HelpOnEveryCommand) {
    std::string output;
    EXPECT_EQ(cli("--help", &output), 0);
    EXPECT_NE(output.find("run"), std::string::npos);
    EXPECT_NE(output.find("Exit codes"), std::string::npos);
    EXPECT_EQ(cli("run --help", &output), 0);
    for (const char* flag : {"--fixture", "--fixtures", "--mode", "--report-dir"}) {
        EXPECT_NE(output.find(flag), std::string::npos) << flag;
    }
    EXPECT_EQ(cli("report merge --help", &output), 0);
}

TEST_F(Cli, RunnerForwardsSeedAndEnvironmentToEveryCTestCase) {
    fs::path script = dir_.path() / "tests.cmake";
    std::string output;
    ASSERT_EQ(run_shell(in_quotes(kRunner) + " --fixtures " + in_quotes(suite_) + " --seed 9 --set-env 'MODE=exit 3' --emit-ctest " +
                            in_quotes(script) + " 2>&1",
                        &output),
              0)
        << output;
    std::string text = read_file(script);
    EXPECT_NE(text.find("--seed 9 --set-env [==[MODE=exit 3]==]"), std::string::npos) << text;
}

TEST_F(Cli, UsageErrorsExitWithTwo) {
    EXPECT_EQ(cli(""), 2);
    EXPECT_EQ(cli("run"), 2);
    EXPECT_EQ(cli("run --fixture x --fixtures y"), 2);
    EXPECT_EQ(cli("run --fixture " + in_quotes(suite_ / "good") + " --mode sideways"), 2);
    EXPECT_EQ(cli("run --fixtures " + in_quotes(dir_.path() / "no-such-suite")), 2);
    fs::create_directories(dir_.path() / "empty-suite");
    EXPECT_EQ(cli("run --fixtures " + in_quotes(dir_.path() / "empty-suite")), 2) << "nothing ran is not green";
    EXPECT_EQ(cli("report merge --report-dir " + in_quotes(dir_.path() / "no-such-report")), 2);
}

TEST_F(Cli, SingleFixturePassesWithExitZero) {
    std::string output;
    EXPECT_EQ(cli("run --fixture " + in_quotes(suite_ / "good") + " --report-dir " + in_quotes(report_), &output), 0) << output;
    EXPECT_EQ(verdict_of("good")["verdict"], "passed");
    EXPECT_TRUE(fs::exists(report_ / "junit.xml"));
}

TEST_F(Cli, ReplayCommandCarriesSetEnv) {
    std::string output;
    EXPECT_EQ(cli("run --fixtures " + in_quotes(suite_) + " --report-dir " + in_quotes(report_) +
                      " --set-env TINY_AGENT_MODE=exit3",
                  &output),
              1);
    EXPECT_NE(verdict_of("good")["replay_command"].get<std::string>().find("--set-env TINY_AGENT_MODE=exit3"),
              std::string::npos);
}

TEST_F(Cli, FixtureGivenAsDotOrWithTrailingSlash) {
    std::string output;
    EXPECT_EQ(run_shell("cd " + in_quotes(suite_ / "good") + " && " + in_quotes(kCli) + " run --fixture . --report-dir " +
                            in_quotes(report_) + " 2>&1",
                        &output),
              0)
        << output;
    EXPECT_EQ(verdict_of("good")["verdict"], "passed");
    EXPECT_EQ(cli("run --fixture " + in_quotes(suite_ / "good") + "/ --report-dir " + in_quotes(report_), &output), 0)
        << output;
}

TEST_F(Cli, BrokenFixtureDoesNotStopTheSuite) {
    copy_tree(inputs_dir() / "minimal_suite" / "echo", suite_ / "broken_json");
    write_file(suite_ / "broken_json" / "expected.json", "{\n  \"schema_version\": 1,\n  \"status\": passed\n}\n");
    std::string output;
    EXPECT_EQ(cli("run --fixtures " + in_quotes(suite_) + " --report-dir " + in_quotes(report_), &output), 2) << output;
    EXPECT_EQ(verdict_of("good")["verdict"], "passed");
    Json broken = verdict_of("broken_json");
    EXPECT_EQ(broken["verdict"], "inconclusive");
    EXPECT_EQ(broken["reasons"][0]["code"], "fixture_invalid");
    EXPECT_NE(broken["reasons"][0]["message"].get<std::string>().find("expected.json:3:13"), std::string::npos)
        << broken.dump(2);
    std::string junit = read_file(report_ / "junit.xml");
    EXPECT_NE(junit.find("fixture_good"), std::string::npos);
    EXPECT_NE(junit.find("expected.json:3:13"), std::string::npos);
}

TEST_F(Cli, ReplayCommandFromJunitReproducesTheVerdict) {
    write_file(suite_ / "good" / "expected.json", R"({"schema_version": 1, "exit": {"code": 5}})");
    std::string output;
    EXPECT_EQ(cli("run --fixtures " + in_quotes(suite_) + " --report-dir " + in_quotes(report_), &output), 1) << output;
    std::string junit = read_file(report_ / "junit.xml");
    std::smatch found;
    ASSERT_TRUE(std::regex_search(junit, found, std::regex("<failure[^>]*>(agent-replay run [^\n]*)\n")));
    std::string command = found[1];
    EXPECT_NE(command.find("--mode cassette"), std::string::npos);
    // Run exactly that line, with our build of agent-replay first on PATH.
    fs::path bin = dir_.path() / "bin";
    fs::create_directories(bin);
    fs::create_symlink(kCli, bin / "agent-replay");
    int status = run_shell("cd " + in_quotes(dir_.path()) + " && PATH=" + in_quotes(bin) + ":$PATH " + command +
                               " --report-dir again >/dev/null 2>&1");
    EXPECT_EQ(status, 1);
    Json again = Json::parse(read_file(dir_.path() / "again" / "fixtures" / "good" / "verdict.json"));
    EXPECT_EQ(again["verdict"], "failed");
    EXPECT_EQ(again["reasons"][0]["code"], "nonzero_exit");
}

TEST_F(Cli, InterruptStopsTheAgentAndStillWritesTheReport) {
    std::string output;
    std::string command = in_quotes(kCli) + " run --fixtures " + in_quotes(suite_) + " --report-dir " + in_quotes(report_) +
                          " --set-env TINY_AGENT_MODE=hang >/dev/null 2>&1 & pid=$!; sleep 1.5; kill -INT $pid; wait $pid; echo $?";
    ASSERT_EQ(run_shell(command, &output), 0);
    EXPECT_EQ(output, "1\n");
    EXPECT_EQ(verdict_of("good")["verdict"], "inconclusive");
    EXPECT_TRUE(fs::exists(report_ / "junit.xml"));
    std::string agent = (suite_ / "good" / "agent.py").string();
    for (int i = 0; i < 50 && process_with_cmdline_exists(agent); ++i) usleep(100000);
    EXPECT_FALSE(process_with_cmdline_exists(agent)) << "the interrupted agent survived";
}

TEST_F(Cli, ServeRunsTheProxyAloneAndReportsOnCtrlC) {
    std::string script = in_quotes(kCli) + " serve --fixture " + in_quotes(suite_ / "good") + " --workspace " +
                         in_quotes(dir_.path() / "ws") + R"SH( > serve.out 2>&1 & pid=$!
for i in $(seq 100); do grep -q '^  export ECHO_BASE_URL=' serve.out && break; sleep 0.1; done
url=$(sed -n 's/^  export ECHO_BASE_URL=//p' serve.out)
python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + '/echo?a=1&b=2').read().decode())" "$url"
python3 -c "import sys, urllib.request
try: urllib.request.urlopen(sys.argv[1] + '/nope')
except Exception as e: print(e)" "$url"
kill -INT $pid; wait $pid; echo "exit=$?"; cat serve.out)SH";
    std::string output;
    ASSERT_EQ(run_shell("cd " + in_quotes(dir_.path()) + "; " + script, &output), 0);
    EXPECT_NE(output.find("{\"value\":\"hello\"}"), std::string::npos) << output;
    EXPECT_NE(output.find("HTTP Error 599"), std::string::npos) << output;
    EXPECT_NE(output.find("exit=1"), std::string::npos) << "an unrecorded request makes serve exit 1\n" << output;
    EXPECT_NE(output.find("GET /tools/echo -> 200 echo-1"), std::string::npos) << output;
    EXPECT_NE(output.find("unrecorded requests: 1"), std::string::npos) << output;
    EXPECT_TRUE(fs::exists(dir_.path() / "ws" / "keep.txt")) << "the fixture state is materialised";
}

TEST_F(Cli, FixtureRunnerListsFiltersAndMerges) {
    copy_tree(inputs_dir() / "minimal_suite" / "echo", suite_ / "second");
    std::string output;
    EXPECT_EQ(run_shell(in_quotes(kRunner) + " --fixtures " + in_quotes(suite_) + " --gtest_list_tests", &output), 0);
    EXPECT_EQ(output, "suite.\n  fixture_good\n  fixture_second\n");
    EXPECT_EQ(run_shell(in_quotes(kRunner) + " --fixtures " + in_quotes(suite_) + " --report-dir " + in_quotes(report_) +
                            " --gtest_filter=suite.fixture_second",
                        &output),
              0)
        << output;
    std::string junit = read_file(report_ / "junit.xml");
    EXPECT_NE(junit.find("fixture_second"), std::string::npos);
    EXPECT_EQ(junit.find("fixture_good"), std::string::npos) << "only the filtered test ran";
    write_file(suite_ / "good" / "notes.json", "not json");
    EXPECT_NE(run_shell(in_quotes(kRunner) + " --fixtures " + in_quotes(suite_) + " --report-dir " + in_quotes(report_) +
                            " >/dev/null 2>&1"),
              0)
        << "an invalid fixture turns the GoogleTest run red";
}

}  // namespace
}  // namespace agent_replay

namespace agent_replay {
namespace {

TEST(Readme, RunbookTableIsTheReasonCatalogue) {
    std::string table;
    ASSERT_EQ(testing_support::run_shell("'" + kCli + "' reasons", &table), 0);
    std::string readme = testing_support::read_file(testing_support::source_dir() / "README.md");
    EXPECT_NE(readme.find(table), std::string::npos)
        << "README.md's reason table is stale: replace it with the output of `agent-replay reasons`";
}

}  // namespace
}  // namespace agent_replay
