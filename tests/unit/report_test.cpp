#include <agent_replay/reason_codes.hpp>
#include <agent_replay/utc_time.hpp>
#include <agent_replay/report.hpp>
#include <agent_replay/suite.hpp>

#include <gtest/gtest.h>

#include <regex>

#include "../support/test_support.hpp"

namespace agent_replay {
namespace {
namespace fs = std::filesystem;
using namespace testing_support;

FixtureResult result(std::string id, Verdict verdict, std::vector<Reason> reasons = {}) {
    FixtureResult r;
    r.fixture_id = std::move(id);
    r.suite = "suite & co";
    r.verdict = verdict;
    r.reasons = std::move(reasons);
    r.replay_command = "agent-replay run --fixture fixtures/s/" + r.fixture_id + " --mode cassette";
    r.run_id = "replay-1";
    r.duration_seconds = 0.0001234;
    r.failure_class = "timeout";
    return r;
}

// Validates with the same xmllint and schema a CI consumer uses.
void expect_valid_junit(const fs::path& file) {
    std::string output;
    int status = run_shell("xmllint --noout --schema '" + (source_dir().parent_path() / "shared/schemas/junit.xsd").string() +
                               "' '" + file.string() + "' 2>&1",
                           &output);
    EXPECT_EQ(status, 0) << output;
}

TEST(JunitReport, ValidatesAgainstTheSchemaWithHostileText) {
    TempDir dir;
    std::string hostile = "a & b < c > d \"q\" 'x' ]]> \x01\x02\x1b[31m bad utf8 \xff\xfe end";
    std::vector<FixtureResult> results{
        result("passed_one", Verdict::passed),
        result("failed_one", Verdict::failed, {Reason{"timeout", "budget", hostile, "", nullptr}}),
        result("invalid_one", Verdict::inconclusive, {Reason{"fixture_invalid", "fixture", "x.json:1:2: bad", "", nullptr}}),
        result("skipped_one", Verdict::skipped, {Reason{"quarantined", "notes", "until 2026-12-01", "", nullptr}}),
        result("degraded_one", Verdict::degraded),
        result("blocked_one", Verdict::blocked),
    };
    fs::path file = dir.path() / "junit.xml";
    write_file(file, junit_xml("suite & co", results));
    expect_valid_junit(file);
    std::string xml = read_file(file);
    EXPECT_NE(xml.find("tests=\"6\" failures=\"1\" errors=\"1\" skipped=\"1\""), std::string::npos) << xml;
    EXPECT_NE(xml.find("time=\"0.000\""), std::string::npos);
    EXPECT_EQ(xml.find('\x01'), std::string::npos);
    EXPECT_NE(xml.find("<failure message=\"timeout\" type=\"failed\">agent-replay run --fixture fixtures/s/failed_one"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("<error message=\"fixture_invalid\""), std::string::npos);
    EXPECT_NE(xml.find("replay_command: agent-replay run --fixture fixtures/s/passed_one --mode cassette"),
              std::string::npos);
}

TEST(JunitReport, MergesVerdictFilesWrittenSeparately) {
    TempDir dir;
    write_fixture_result(dir.path(), "b", result("b", Verdict::failed, {Reason{"timeout", "budget", "slow", "", nullptr}}));
    write_fixture_result(dir.path(), "a", result("a", Verdict::passed));
    write_file(dir.path() / "fixtures" / "c" / "verdict.json", "{ torn");
    fs::path junit = merge_report(dir.path(), "s");
    expect_valid_junit(junit);
    auto results = read_fixture_results(dir.path());
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0].fixture_id, "a");
    EXPECT_EQ(results[2].verdict, Verdict::inconclusive) << "an unreadable verdict is not green";
    reset_report(dir.path());
    EXPECT_FALSE(fs::exists(dir.path() / "junit.xml"));
    EXPECT_TRUE(read_fixture_results(dir.path()).empty());
}

TEST(JunitReport, VerdictJsonRoundTrips) {
    FixtureResult original = result("x", Verdict::failed, {Reason{"forbidden_mutation", "mutations", "m", "a.txt", {{"k", 1}}}});
    original.artifacts = {"report.json"};
    TraceEvent event;
    event.tool = "search";
    event.interaction_id = "s-1";
    original.trace = {event};
    FixtureResult copy = Json(original).get<FixtureResult>();
    EXPECT_EQ(Json(copy), Json(original));
}

TEST(ReplayCommand, RelativeToRepoAndQuoted) {
    EXPECT_EQ(replay_command_for(source_dir() / "fixtures/agent_failure_forensics/timeout", ProxyMode::cassette, source_dir()),
              "agent-replay run --fixture fixtures/agent_failure_forensics/timeout --mode cassette");
    EXPECT_EQ(replay_command_for("/tmp/my suite/x", ProxyMode::strict, source_dir()),
              "agent-replay run --fixture '/tmp/my suite/x' --mode strict");
    EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}

TEST(FixtureTestName, ValidIdsAreKeptAndOthersStayDistinct) {
    EXPECT_EQ(fixture_test_name("timeout_2"), "fixture_timeout_2");
    EXPECT_NE(fixture_test_name("a-b"), fixture_test_name("a_b"));
    EXPECT_NE(fixture_test_name("a-b"), fixture_test_name("a.b"));
    EXPECT_EQ(fixture_test_name("a-b"), "fixture_a_x2d_b");
}

TEST(ReasonCatalogue, EveryCodeIsUniqueAndDocumented) {
    std::set<std::string_view> seen;
    for (const auto& info : reason_catalogue()) {
        EXPECT_TRUE(seen.insert(info.code).second) << info.code;
        EXPECT_FALSE(info.meaning.empty()) << info.code;
        EXPECT_FALSE(info.remediation.empty()) << info.code;
        EXPECT_FALSE(info.typical_cause.empty()) << info.code;
        EXPECT_FALSE(info.root_cause_class.empty()) << info.code;
        EXPECT_EQ(std::string(info.meaning).find('|'), std::string::npos) << "breaks the Markdown table";
    }
    for (const char* code : {"unexpected_status", "nonzero_exit", "crashed", "missing_artifact_ref", "empty_output",
                             "schema_mismatch", "artifact_content_mismatch", "missing_evidence_path", "forbidden_mutation",
                             "diff_out_of_bounds", "forbidden_tool", "missing_tool_call", "tool_budget_exceeded",
                             "loop_detected", "trajectory_mismatch", "side_effect_unconfirmed", "duplicate_side_effect",
                             "timeout", "budget_exceeded", "unrecorded_request", "fixture_invalid", "harness_error"}) {
        EXPECT_NE(find_reason_code(code), nullptr) << code;
    }
}

}  // namespace
}  // namespace agent_replay

namespace agent_replay {
namespace {

TEST(UtcDeadline, DatesAreInclusiveAndTimesExact) {
    auto day = parse_utc_deadline("2026-11-23");
    ASSERT_TRUE(day.has_value());
    EXPECT_EQ(utc_iso(static_cast<std::time_t>(*day)), "2026-11-23T23:59:59Z");
    EXPECT_EQ(utc_iso(static_cast<std::time_t>(*parse_utc_deadline("2026-11-23T10:00:00Z"))), "2026-11-23T10:00:00Z");
    for (const char* bad : {"", "next week", "2026-13-01", "2026-02-30", "2026-11-23T10:00:00", "2026-11-23 10:00:00Z",
                            "2026-11-23x"}) {
        EXPECT_FALSE(parse_utc_deadline(bad).has_value()) << bad;
    }
}

}  // namespace
}  // namespace agent_replay
