// replay_fixture end to end: real fixture files, real proxy, real agent subprocess.
#include <agent_replay/replay.hpp>

#include <gtest/gtest.h>

#include "../support/test_support.hpp"

namespace agent_replay {
namespace {
namespace fs = std::filesystem;
using namespace testing_support;

std::vector<std::string> codes(const FixtureResult& result) {
    std::vector<std::string> out;
    for (const auto& reason : result.reasons) out.push_back(reason.code);
    return out;
}

class Replay : public ::testing::Test {
protected:
    void SetUp() override {
        fixture_ = dir_.path() / "suite" / "echo";
        copy_tree(inputs_dir() / "minimal_suite" / "echo", fixture_);
        options_.report_dir = dir_.path() / "report";
    }
    FixtureResult replay(const std::string& mode = "ok") {
        options_.extra_env["TINY_AGENT_MODE"] = mode;
        return replay_fixture(fixture_, options_);
    }
    TempDir dir_;
    fs::path fixture_;
    ReplayOptions options_;
};

TEST_F(Replay, FixedAgentPassesAndLeavesEvidence) {
    FixtureResult result = replay();
    EXPECT_EQ(result.verdict, Verdict::passed) << Json(result).dump(2);
    EXPECT_TRUE(result.reasons.empty());
    ASSERT_EQ(result.trace.size(), 1u);
    EXPECT_EQ(result.trace[0].interaction_id, "echo-1");
    EXPECT_EQ(result.trace[0].tool, "echo");
    EXPECT_EQ(result.artifacts, std::vector<std::string>{"out.json"});
    EXPECT_TRUE(result.workspace.empty()) << "a passing run's workspace is removed";
    fs::path case_dir = options_.report_dir / "fixtures" / "echo";
    EXPECT_TRUE(fs::exists(case_dir / "verdict.json"));
    EXPECT_EQ(read_file(case_dir / "stdout.txt"), "tiny agent done\n");
    EXPECT_NE(read_file(case_dir / "trace.jsonl").find("\"echo-1\""), std::string::npos);
    EXPECT_EQ(Json::parse(read_file(case_dir / "verdict.json"))["verdict"], "passed");
}

TEST_F(Replay, QuarantinedFixtureIsSkippedWithItsExpiryAndNotRun) {
    write_file(fixture_ / "notes.json", R"({"schema_version": 1, "failure_class": "nonzero_exit",
      "quarantine": {"reason": "flaky upstream, INC-42", "owner": "ops@example.com", "until": "2999-12-31"}})");
    FixtureResult result = replay("exit3");
    EXPECT_EQ(result.verdict, Verdict::skipped);
    EXPECT_FALSE(is_failure(result.verdict));
    EXPECT_EQ(codes(result), std::vector<std::string>{"quarantined"});
    EXPECT_NE(result.reasons[0].message.find("2999-12-31"), std::string::npos);
    EXPECT_TRUE(result.trace.empty()) << "a quarantined fixture is not replayed";
    ASSERT_TRUE(result.quarantine.has_value());
    EXPECT_EQ(Json::parse(read_file(options_.report_dir / "fixtures" / "echo" / "verdict.json"))["quarantine"]["until"],
              "2999-12-31");
}

TEST_F(Replay, ExpiredQuarantineFailsEvenWhenTheAgentPasses) {
    write_file(fixture_ / "notes.json", R"({"schema_version": 1, "failure_class": "nonzero_exit",
      "quarantine": {"reason": "flaky upstream", "until": "2020-01-31T12:00:00Z"}})");
    FixtureResult result = replay();
    EXPECT_EQ(result.verdict, Verdict::failed);
    EXPECT_EQ(codes(result), std::vector<std::string>{"quarantine_expired"});
    EXPECT_EQ(result.trace.size(), 1u) << "an expired quarantine replays the fixture";
}

TEST_F(Replay, QuarantineWithoutAValidDateIsAnInvalidFixture) {
    write_file(fixture_ / "notes.json", "{\"schema_version\": 1,\n \"quarantine\": {\"reason\": \"x\", \"until\": \"next week\"}}");
    FixtureResult result = replay();
    EXPECT_EQ(result.verdict, Verdict::inconclusive);
    EXPECT_EQ(codes(result), std::vector<std::string>{"fixture_invalid"});
    EXPECT_NE(result.reasons[0].message.find("notes.json:2"), std::string::npos) << result.reasons[0].message;
}

TEST_F(Replay, NonzeroExitKeepsTheWorkspace) {
    FixtureResult result = replay("exit3");
    EXPECT_EQ(result.verdict, Verdict::failed);
    EXPECT_EQ(codes(result), std::vector<std::string>{"nonzero_exit"});
    ASSERT_FALSE(result.workspace.empty());
    EXPECT_TRUE(fs::exists(fs::path(result.workspace) / "out.json"));
}

TEST_F(Replay, ForbiddenMutation) {
    EXPECT_EQ(codes(replay("forbidden")), std::vector<std::string>{"forbidden_mutation"});
}

TEST_F(Replay, UnrecordedRequestInCassetteMode) {
    FixtureResult result = replay("extra");
    EXPECT_EQ(codes(result), std::vector<std::string>{"unrecorded_request"});
    EXPECT_EQ(result.trace.size(), 2u);
}

TEST_F(Replay, StrictModeStopsTheAgentAtTheFirstUnrecordedRequest) {
    options_.mode = ProxyMode::strict;
    fs::path marker = fixture_ / "agent.py";
    // After the unrecorded call the agent would write out.json; strict mode kills it first.
    std::string script = read_file(marker);
    script.replace(script.find("if mode == \"forbidden\":"), 0, "if mode == \"extra\":\n    time.sleep(30)\n");
    write_file(marker, script);
    FixtureResult result = replay("extra");
    EXPECT_EQ(result.verdict, Verdict::failed);
    EXPECT_EQ(codes(result), std::vector<std::string>{"unrecorded_request"});
    EXPECT_LT(result.duration_seconds, 20.0);
}

TEST_F(Replay, StrictModeCatchesRequestsToOtherHostsThroughHttpProxy) {
    options_.mode = ProxyMode::strict;
    write_file(fixture_ / "input.json", R"JSON({"schema_version": 1, "agent": {"command": ["python3", "-c",
      "import urllib.request\ntry:\n  urllib.request.urlopen('http://api.example.invalid/v1/x', timeout=5)\nexcept Exception as e:\n  print(e)"]}})JSON");
    write_file(fixture_ / "expected.json", R"({"schema_version": 1})");
    FixtureResult result = replay();
    EXPECT_EQ(codes(result), std::vector<std::string>{"unrecorded_request"});
    ASSERT_EQ(result.trace.size(), 1u);
    EXPECT_EQ(result.trace[0].host, "api.example.invalid");
    EXPECT_EQ(result.trace[0].path, "/v1/x");
}

TEST_F(Replay, StrictModeInterceptsAnAgentThatOnlyUsesHttpProxy) {
    options_.mode = ProxyMode::strict;
    write_file(fixture_ / "input.json", R"JSON({"schema_version": 1, "agent": {"command": ["python3", "-c",
      "import json, os, urllib.request\nbody = urllib.request.urlopen('http://api.example.com/v1/echo?a=1&b=2', timeout=5).read()\nopen(os.environ['AGENT_REPLAY_WORKSPACE'] + '/out.json', 'wb').write(body)"]}})JSON");
    write_file(fixture_ / "tool_cassettes.json", R"({"schema_version": 1, "interactions": [
      {"id": "echo-1", "tool": "echo", "request": {"method": "GET", "path": "/v1/echo?a=1&b=2"},
       "response": {"json": {"value": "through the proxy"}}}]})");
    write_file(fixture_ / "expected.json",
               R"({"schema_version": 1, "artifacts": [{"path": "out.json", "json_equals": {"/value": "through the proxy"}}]})");
    FixtureResult result = replay();
    EXPECT_EQ(result.verdict, Verdict::passed) << Json(result.reasons).dump(2);
    ASSERT_EQ(result.trace.size(), 1u);
    EXPECT_EQ(result.trace[0].host, "api.example.com");
    EXPECT_EQ(result.trace[0].path, "/v1/echo");
}

TEST_F(Replay, TimeoutKillsTheAgentAndItsChildren) {
    write_file(fixture_ / "expected.json", R"({"schema_version": 1, "budget": {"max_wall_seconds": 1}})");
    FixtureResult result = replay("hang");
    EXPECT_EQ(result.verdict, Verdict::failed);
    EXPECT_EQ(codes(result), std::vector<std::string>{"timeout"});
    std::string agent_path = (fixture_ / "agent.py").string();
    for (int i = 0; i < 50 && process_with_cmdline_exists(agent_path); ++i) usleep(100000);
    EXPECT_FALSE(process_with_cmdline_exists(agent_path)) << "a process of the run survived";
}

TEST_F(Replay, ProcessesThatEscapeTheGroupWithSetsidAreKilledToo) {
    std::string marker = "agent-replay-escapee-" + dir_.path().filename().string();
    write_file(fixture_ / "input.json", R"JS({"schema_version": 1, "agent": {"command": ["python3", "-c",
      "import os, subprocess\nsubprocess.Popen(['bash', '-c', 'exec -a )JS" + marker + R"JS( sleep 300'], start_new_session=True)"]}})JS");
    write_file(fixture_ / "expected.json", R"({"schema_version": 1})");
    FixtureResult result = replay();
    EXPECT_EQ(result.verdict, Verdict::passed) << Json(result.reasons).dump(2);
    for (int i = 0; i < 50 && process_with_cmdline_exists(marker); ++i) usleep(100000);
    EXPECT_FALSE(process_with_cmdline_exists(marker)) << "a setsid'd descendant survived the run";
}

TEST_F(Replay, InvalidFixtureIsInconclusiveWithLocation) {
    write_file(fixture_ / "input.json", "{\n  \"schema_version\": 1,\n  oops\n}\n");
    FixtureResult result = replay();
    EXPECT_EQ(result.verdict, Verdict::inconclusive);
    ASSERT_EQ(codes(result), std::vector<std::string>{"fixture_invalid"});
    EXPECT_NE(result.reasons[0].message.find("input.json:3:3"), std::string::npos) << result.reasons[0].message;
    EXPECT_EQ(result.reasons[0].detail["line"], 3);
    EXPECT_TRUE(is_failure(result.verdict));
}

TEST_F(Replay, NonUtf8InAFixtureFileIsAnInvalidFixtureNotACrash) {
    write_file(fixture_ / "notes.json", "{\"schema_version\": 1, \"summary\": \"bad \xff byte\"}");
    FixtureResult result = replay();
    EXPECT_EQ(result.verdict, Verdict::inconclusive);
    EXPECT_EQ(codes(result), std::vector<std::string>{"fixture_invalid"});
    EXPECT_TRUE(fs::exists(options_.report_dir / "fixtures" / "echo" / "verdict.json"));
}

TEST_F(Replay, AgentWritingNonUtf8FileNamesAndBodiesIsJudgedNotACrash) {
    write_file(fixture_ / "input.json", R"JS({"schema_version": 1, "agent": {"command": ["python3", "-c",
      "import os, urllib.request\nws = os.environ['AGENT_REPLAY_WORKSPACE'].encode()\nopen(ws + b'/bad\\xffname.txt', 'w').write('x')\ntry:\n  urllib.request.urlopen(urllib.request.Request(os.environ['AGENT_REPLAY_PROXY_URL'] + '/tools/x?c=%ff', data=b'\\xff\\xfe\\x00bin'))\nexcept Exception as e:\n  print(e)"]}})JS");
    write_file(fixture_ / "expected.json", R"({"schema_version": 1, "mutations": {"allowed": ["out.json"]}})");
    FixtureResult result = replay();
    std::set<std::string> found;
    for (const auto& reason : result.reasons) found.insert(reason.code);
    EXPECT_EQ(found, (std::set<std::string>{"forbidden_mutation", "unrecorded_request"})) << Json(result.reasons).dump(2, ' ', false, Json::error_handler_t::replace);
    EXPECT_TRUE(fs::exists(options_.report_dir / "fixtures" / "echo" / "verdict.json"));
}

TEST_F(Replay, AgentThatCannotStartIsAHarnessError) {
    write_file(fixture_ / "input.json",
               R"({"schema_version": 1, "agent": {"command": ["/no/such/agent"]}})");
    FixtureResult result = replay();
    EXPECT_EQ(result.verdict, Verdict::inconclusive);
    EXPECT_EQ(codes(result), std::vector<std::string>{"harness_error"});
}

TEST_F(Replay, AgentSeesTheReplayEnvironment) {
    write_file(fixture_ / "input.json", R"({"schema_version": 1,
      "agent": {"command": ["/bin/sh", "-c", "env > {{workspace}}/env.txt"], "env": {"MY_URL": "{{proxy_url}}/x"}}})");
    write_file(fixture_ / "expected.json", R"({"schema_version": 1})");
    FixtureResult result = replay();
    ASSERT_EQ(result.verdict, Verdict::passed) << Json(result).dump(2);
    // The workspace is gone after a pass; look at the run through a failing variant instead.
    write_file(fixture_ / "expected.json", R"({"schema_version": 1, "exit": {"code": 9}})");
    result = replay();
    std::string env = read_file(fs::path(result.workspace) / "env.txt");
    for (const char* name : {"AGENT_REPLAY_PROXY_URL=http://127.0.0.1:", "AGENT_REPLAY_WORKSPACE=/",
                             "AGENT_REPLAY_RUN_ID=replay-", "AGENT_REPLAY_EVENTS=/", "MY_URL=http://127.0.0.1:",
                             "TINY_AGENT_MODE=ok"}) {
        EXPECT_NE(env.find(name), std::string::npos) << name;
    }
}

}  // namespace
}  // namespace agent_replay
