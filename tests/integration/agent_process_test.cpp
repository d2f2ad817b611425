#include <agent_replay/agent_process.hpp>

#include <gtest/gtest.h>

#include <signal.h>

#include "../support/test_support.hpp"

namespace agent_replay {
namespace {
namespace fs = std::filesystem;
using namespace testing_support;

ProcessSpec shell(const std::string& script, const fs::path& cwd) {
    ProcessSpec spec;
    spec.argv = {"/bin/sh", "-c", script};
    spec.env = current_environment();
    spec.cwd = cwd;
    spec.timeout = std::chrono::seconds(20);
    return spec;
}

TEST(AgentProcess, CapturesOutputAndExitCode) {
    TempDir dir;
    auto outcome = run_agent_process(shell("echo out; echo err >&2; pwd; exit 7", dir.path()));
    EXPECT_TRUE(outcome.started);
    EXPECT_EQ(outcome.exit_code, 7);
    EXPECT_EQ(outcome.signal, 0);
    EXPECT_EQ(outcome.stdout_text, "out\n" + fs::canonical(dir.path()).string() + "\n");
    EXPECT_EQ(outcome.stderr_text, "err\n");
}

TEST(AgentProcess, PassesTheEnvironment) {
    TempDir dir;
    ProcessSpec spec = shell("printf %s \"$AGENT_SAYS\"", dir.path());
    spec.env["AGENT_SAYS"] = "hello";
    EXPECT_EQ(run_agent_process(spec).stdout_text, "hello");
}

TEST(AgentProcess, BoundsCapturedOutput) {
    TempDir dir;
    ProcessSpec spec = shell("head -c 100000 /dev/zero", dir.path());
    spec.output_limit = 1000;
    auto outcome = run_agent_process(spec);
    EXPECT_EQ(outcome.stdout_text.size(), 1000u);
    EXPECT_EQ(outcome.stdout_dropped, 99000u);
}

TEST(AgentProcess, ReportsSignals) {
    TempDir dir;
    auto outcome = run_agent_process(shell("kill -SEGV $$", dir.path()));
    EXPECT_EQ(outcome.signal, SIGSEGV);
}

TEST(AgentProcess, ExecFailureIsReportedNotRun) {
    TempDir dir;
    ProcessSpec spec = shell("", dir.path());
    spec.argv = {"/definitely/not/an/agent"};
    auto outcome = run_agent_process(spec);
    EXPECT_FALSE(outcome.started);
    EXPECT_NE(outcome.start_error.find("/definitely/not/an/agent"), std::string::npos) << outcome.start_error;
}

TEST(AgentProcess, TimeoutKillsTheWholeGroupIncludingGrandchildren) {
    TempDir dir;
    std::string marker = "agent-replay-grandchild-" + dir.path().filename().string();
    // The grandchild ignores SIGTERM, so only the SIGKILL escalation ends it.
    ProcessSpec spec = shell("(trap '' TERM; exec -a " + marker + " sleep 300) & echo started; sleep 300", dir.path());
    spec.env["SHELL"] = "/bin/bash";
    spec.argv = {"/bin/bash", "-c", spec.argv[2]};
    spec.timeout = std::chrono::milliseconds(500);
    spec.kill_grace = std::chrono::milliseconds(300);
    auto outcome = run_agent_process(spec);
    EXPECT_TRUE(outcome.timed_out);
    EXPECT_EQ(outcome.stdout_text, "started\n");
    EXPECT_LT(outcome.wall_seconds, 10.0);
    // Give the kernel a moment to reap the killed grandchild (it was reparented to init).
    for (int i = 0; i < 50 && process_with_cmdline_exists(marker); ++i) usleep(100000);
    EXPECT_FALSE(process_with_cmdline_exists(marker)) << "a process of the run survived";
}

TEST(AgentProcess, BackgroundChildrenDieWhenTheAgentExits) {
    TempDir dir;
    std::string marker = "agent-replay-leftover-" + dir.path().filename().string();
    ProcessSpec spec = shell("", dir.path());
    spec.argv = {"/bin/bash", "-c", "(exec -a " + marker + " sleep 300) >/dev/null 2>&1 & exit 0"};
    auto outcome = run_agent_process(spec);
    EXPECT_EQ(outcome.exit_code, 0);
    for (int i = 0; i < 50 && process_with_cmdline_exists(marker); ++i) usleep(100000);
    EXPECT_FALSE(process_with_cmdline_exists(marker));
}

TEST(AgentProcess, AbortFlagStopsTheRun) {
    TempDir dir;
    std::atomic<bool> abort{true};
    ProcessSpec spec = shell("sleep 300", dir.path());
    spec.abort = &abort;
    auto outcome = run_agent_process(spec);
    EXPECT_TRUE(outcome.aborted);
    EXPECT_FALSE(outcome.timed_out);
}

}  // namespace
}  // namespace agent_replay
