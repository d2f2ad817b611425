// The CI report set from the command line, with real binaries on a real suite:
// summary, replay bundle, digests, baseline triage, reruns, shards, --jobs.
#include <agent_replay/json_document.hpp>

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "../support/test_support.hpp"

namespace agent_replay {
namespace {
namespace fs = std::filesystem;
using namespace testing_support;

const std::vector<std::string> kIds = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"};


// Seven copies of the tiny echo fixture; `charlie` exits 3 (the known failure).
class TriageReports : public ::testing::Test {
protected:
    void SetUp() override {
        suite_ = dir_.path() / "suite";
        for (const auto& id : kIds) copy_tree(inputs_dir() / "minimal_suite" / "echo", suite_ / id);
        set_mode("charlie", "exit3");
    }
    void set_mode(const std::string& id, const std::string& mode) {
        Json input = Json::parse(read_file(suite_ / id / "input.json"));
        input["agent"]["env"]["TINY_AGENT_MODE"] = mode;
        write_file(suite_ / id / "input.json", input.dump(2));
    }
    int cli(const std::string& args, std::string* output = nullptr) {
        return run_shell("cd " + in_quotes(dir_.path()) + " && " + in_quotes(kCli) + " " + args + " 2>&1", output);
    }
    int run(const std::string& report, const std::string& extra = "", std::string* output = nullptr) {
        return cli("run --fixtures " + in_quotes(suite_) + " --report-dir " + in_quotes(dir_.path() / report) + " " + extra, output);
    }
    Json json(const std::string& relpath) { return Json::parse(read_file(dir_.path() / relpath)); }
    // summary.json's fixtures without what changes from run to run.
    Json stable_fixtures(const std::string& report) {
        Json fixtures = json(report + "/summary.json")["fixtures"];
        for (auto& fixture : fixtures) fixture.erase("duration_seconds");
        return fixtures;
    }
    // junit.xml without times and run-specific paths.
    std::string stable_junit(const std::string& report) {
        std::string xml = read_file(dir_.path() / report / "junit.xml");
        xml = std::regex_replace(xml, std::regex(R"((time|timestamp)="[^"]*")"), "");
        xml = std::regex_replace(xml, std::regex(R"(run_id: \S+)"), "");
        return std::regex_replace(xml, std::regex(dir_.path().string() + R"(/[^/\s<]+/)"), "REPORT/");
    }

    TempDir dir_;
    fs::path suite_;
};

TEST_F(TriageReports, SummaryBundleAndDigestsDescribeTheFailure) {
    EXPECT_EQ(run("base"), 1);
    Json summary = json("base/summary.json");
    EXPECT_EQ(summary["totals"]["total"], 7);
    EXPECT_EQ(summary["totals"]["passed"], 6);
    EXPECT_EQ(summary["totals"]["failed"], 1);
    EXPECT_EQ(summary["failed_fixture_ids"], Json::array({"charlie"}));
    EXPECT_NE(summary["one_command_replay"].get<std::string>().find("--rerun-from"), std::string::npos);

    Json bundle = json("base/replay_bundle.json");
    EXPECT_EQ(bundle["environment"]["mode"], "cassette");
    EXPECT_TRUE(bundle["environment"].contains("git_sha"));
    EXPECT_TRUE(bundle["environment"]["shard"].is_null());
    ASSERT_EQ(bundle["failures"].size(), 1u);
    const Json& failure = bundle["failures"][0];
    EXPECT_EQ(failure["ctest_command"], "ctest -R '^fixture_charlie$' --output-on-failure");
    EXPECT_NE(failure["gtest_command"].get<std::string>().find("--gtest_filter=suite.fixture_charlie"), std::string::npos);
    EXPECT_NE(failure["replay_command"].get<std::string>().find("run --fixture"), std::string::npos);

    Json digest = json("base/digests/charlie.json");
    EXPECT_EQ(digest["root_cause_class"], "process");
    EXPECT_EQ(digest["first_failing_assertion"]["code"], "nonzero_exit");
    EXPECT_EQ(digest["impacted_checks"], Json::array({"exit"}));
    EXPECT_FALSE(digest["remediation"].get<std::string>().empty());
    EXPECT_FALSE(fs::exists(dir_.path() / "base/digests/alpha.json")) << "digests are for fixtures that did not pass";
    EXPECT_NE(read_file(dir_.path() / "base/report.html").find("charlie"), std::string::npos);
}

TEST_F(TriageReports, BaselineDiffTellsARegressionFromKnownFailures) {
    ASSERT_EQ(run("base"), 1);
    std::string baseline = in_quotes(dir_.path() / "base/summary.json");

    std::string output;
    EXPECT_EQ(run("same", "--diff-from " + baseline, &output), 0) << "only the known failure: not a regression\n" << output;
    Json same = json("same/triage_diff.json");
    EXPECT_EQ(same["status"], "known_failures_only");
    EXPECT_EQ(same["regression_count"], 0);
    EXPECT_NE(output.find("known_failures_only"), std::string::npos);

    set_mode("echo", "forbidden");
    EXPECT_EQ(run("worse", "--diff-from " + baseline, &output), 1) << output;
    Json worse = json("worse/triage_diff.json");
    EXPECT_EQ(worse["status"], "regression");
    EXPECT_EQ(worse["regression_count"], 1);
    ASSERT_EQ(worse["diagnostics"].size(), 2u);
    EXPECT_EQ(worse["diagnostics"][0]["fixture_id"], "echo") << "the regression ranks first";
    EXPECT_EQ(worse["diagnostics"][0]["kind"], "regression");
    EXPECT_EQ(worse["diagnostics"][1]["kind"], "known_failure");
    ASSERT_EQ(worse["reproduce"].size(), 1u);
    EXPECT_NE(worse["reproduce"][0].get<std::string>().find("suite/echo"), std::string::npos);

    set_mode("echo", "ok");
    set_mode("charlie", "ok");
    EXPECT_EQ(run("fixed", "--diff-from " + baseline), 0);
    Json fixed = json("fixed/triage_diff.json");
    EXPECT_EQ(fixed["status"], "stable");
    EXPECT_EQ(fixed["fixed"], Json::array({"charlie"}));
}

TEST_F(TriageReports, FixtureRunnerTriagesItsMergedReportToo) {
    ASSERT_EQ(run("base"), 1);
    std::string runner = in_quotes(kRunner) + " --fixtures " + in_quotes(suite_) + " --diff-from " +
                         in_quotes(dir_.path() / "base/summary.json") + " --report-dir ";
    std::string output;
    EXPECT_EQ(run_shell(runner + in_quotes(dir_.path() / "gt-same") + " 2>&1", &output), 0)
        << "a known failure alone does not fail the triaged run\n" << output;
    EXPECT_EQ(json("gt-same/triage_diff.json")["status"], "known_failures_only");
    set_mode("golf", "exit3");
    EXPECT_EQ(run_shell(runner + in_quotes(dir_.path() / "gt-worse") + " 2>&1", &output), 1) << output;
    EXPECT_EQ(json("gt-worse/triage_diff.json")["regression_count"], 1);
    EXPECT_EQ(run_shell(in_quotes(kRunner) + " --fixtures " + in_quotes(suite_) + " --diff-from " +
                            in_quotes(dir_.path() / "base/junit.xml") + " 2>&1",
                        &output),
              2)
        << "a baseline that is not a summary is refused before anything runs";
}

TEST_F(TriageReports, RerunFromReplaysOnlyWhatFailed) {
    ASSERT_EQ(run("base"), 1);
    std::string output;
    EXPECT_EQ(run("rerun", "--rerun-from " + in_quotes(dir_.path() / "base/summary.json"), &output), 1) << output;
    Json summary = json("rerun/summary.json");
    ASSERT_EQ(summary["fixtures"].size(), 1u);
    EXPECT_EQ(summary["fixtures"][0]["fixture_id"], "charlie");
    write_file(dir_.path() / "not-a-summary.json", "{\"hello\": 1}");
    EXPECT_EQ(run("bad", "--rerun-from " + in_quotes(dir_.path() / "not-a-summary.json"), &output), 2);
    EXPECT_NE(output.find("not an agent-replay summary.json"), std::string::npos) << output;
}

TEST_F(TriageReports, TwoShardsRunEveryFixtureOnceAndMergeIntoTheUnshardedReport) {
    ASSERT_EQ(run("whole", "--jobs 1"), 1);
    run("shard0", "--shard-index 0 --shard-total 2");
    run("shard1", "--shard-index 1 --shard-total 2");
    std::multiset<std::string> ran;
    for (const char* shard : {"shard0", "shard1"}) {
        Json summary = json(std::string(shard) + "/summary.json");
        for (const auto& fixture : summary["fixtures"]) ran.insert(fixture["fixture_id"].get<std::string>());
    }
    EXPECT_EQ(ran, std::multiset<std::string>(kIds.begin(), kIds.end())) << "each fixture exactly once";
    EXPECT_EQ(json("shard1/replay_bundle.json")["environment"]["shard"], (Json{{"index", 1}, {"total", 2}}));

    std::string output;
    ASSERT_EQ(cli("report merge --report-dir " + in_quotes(dir_.path() / "merged") + " --suite-name suite --from " +
                      in_quotes(dir_.path() / "shard0") + " --from " + in_quotes(dir_.path() / "shard1"),
                  &output),
              0)
        << output;
    EXPECT_EQ(stable_fixtures("merged"), stable_fixtures("whole"));
    EXPECT_EQ(stable_junit("merged"), stable_junit("whole"));
    EXPECT_EQ(json("merged/summary.json")["totals"], json("whole/summary.json")["totals"]);

    EXPECT_EQ(cli("report merge --report-dir " + in_quotes(dir_.path() / "twice") + " --from " +
                      in_quotes(dir_.path() / "shard0") + " --from " + in_quotes(dir_.path() / "whole"),
                  &output),
              2)
        << "a fixture in two shards is an error";
}

TEST_F(TriageReports, RunSeedIsRecordedAndInTheReplayCommand) {
    run("seeded", "--seed 7");
    EXPECT_EQ(json("seeded/replay_bundle.json")["environment"]["seed"], 7);
    EXPECT_EQ(json("seeded/summary.json")["seed"], 7);
    Json failure = json("seeded/replay_bundle.json")["failures"][0];
    EXPECT_NE(failure["replay_command"].get<std::string>().find("--seed 7"), std::string::npos) << failure.dump();
    EXPECT_NE(json("seeded/summary.json")["one_command_replay"].get<std::string>().find("--seed 7"), std::string::npos);
}

TEST_F(TriageReports, ParallelJobsKeepTheSuiteOrder) {
    run("serial", "--jobs 1");
    run("parallel", "--jobs 4");
    EXPECT_EQ(stable_fixtures("parallel"), stable_fixtures("serial"));
    EXPECT_EQ(stable_junit("parallel"), stable_junit("serial"));
}

TEST_F(TriageReports, GoogleTestShardsShareOneReport) {
    std::string report = in_quotes(dir_.path() / "gtest");
    std::set<std::string> ran;
    for (int shard = 0; shard < 2; ++shard) {
        std::string output;
        run_shell("GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=" + std::to_string(shard) + " " + in_quotes(kRunner) +
                      " --fixtures " + in_quotes(suite_) + " --report-dir " + report + " 2>&1",
                  &output);
        std::regex run_line(R"(\[ RUN      \] suite\.fixture_(\w+))");
        for (auto it = std::sregex_iterator(output.begin(), output.end(), run_line); it != std::sregex_iterator(); ++it) {
            EXPECT_TRUE(ran.insert((*it)[1]).second) << (*it)[1] << " ran in both shards";
        }
    }
    EXPECT_EQ(ran, std::set<std::string>(kIds.begin(), kIds.end()));
    EXPECT_EQ(json("gtest/summary.json")["totals"]["total"], 7);
}

}  // namespace
}  // namespace agent_replay
