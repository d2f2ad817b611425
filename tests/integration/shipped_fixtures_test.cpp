// Each shipped fixture must fail against the agent bug it protects against,
// with exactly its reason code, and pass against the fixed agent: a fixture
// that cannot fail protects nothing.
#include <agent_replay/fixture.hpp>
#include <agent_replay/replay.hpp>
#include <agent_replay/suite.hpp>

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "../support/test_support.hpp"

namespace agent_replay {
namespace {
namespace fs = std::filesystem;
using namespace testing_support;

struct ShippedCase {
    std::string fixture;
    std::string bug;              // RESEARCH_AGENT_BUG of examples/research_agent/agent.py
    std::set<std::string> codes;  // exactly the reason codes the bug must produce
    std::string failure_class;    // notes.json
    Verdict fixed = Verdict::passed;  // the fixed agent's verdict (blocked where it must escalate)
};

const std::vector<ShippedCase> kCases = {
    {"missing_artifact_ref", "missing_artifact", {"missing_artifact_ref"}, "missing_artifact_ref"},
    {"empty_output", "empty_output", {"empty_output"}, "empty_output"},
    {"schema_mismatch", "bad_schema", {"schema_mismatch"}, "schema_mismatch"},
    {"forbidden_mutation", "touch_forbidden", {"forbidden_mutation"}, "forbidden_mutation"},
    {"unrecorded_request", "extra_call", {"unrecorded_request"}, "unrecorded_request"},
    {"timeout", "hang", {"timeout"}, "timeout"},
    // Fault fixtures: the agent without retries gives up (exit 3) and writes nothing.
    {"retry_on_503", "no_retry", {"nonzero_exit", "missing_artifact_ref"}, "nonzero_exit"},
    {"retry_truncated_model", "no_retry", {"nonzero_exit", "missing_artifact_ref"}, "nonzero_exit"},
    // Text checks on the artifact, evidence, bounded diffs.
    {"artifact_content_mismatch", "no_citations", {"artifact_content_mismatch"}, "artifact_content_mismatch"},
    {"missing_evidence_path", "fake_evidence", {"missing_evidence_path"}, "missing_evidence_path"},
    {"diff_out_of_bounds", "rewrite_notes", {"diff_out_of_bounds"}, "diff_out_of_bounds"},
    // Tool rules: every request stays recorded, so only the tool rule fires.
    {"forbidden_tool", "use_web", {"forbidden_tool"}, "forbidden_tool"},
    {"missing_tool_call", "skip_search", {"missing_tool_call"}, "missing_tool_call"},
    {"trajectory_mismatch", "model_first", {"trajectory_mismatch"}, "trajectory_mismatch"},
    {"tool_budget_exceeded", "paginate", {"tool_budget_exceeded"}, "tool_budget_exceeded"},
    {"loop_detected", "loop", {"loop_detected"}, "loop_detected"},
    {"budget_exceeded", "verbose_model", {"budget_exceeded"}, "budget_exceeded"},
    // Side effects: a publish retried without its Idempotency-Key after a broken answer; a post to an unrecorded path.
    {"duplicate_side_effect", "no_idempotency_key", {"duplicate_side_effect"}, "duplicate_side_effect"},
    {"side_effect_unconfirmed", "publish_draft", {"side_effect_unconfirmed", "unrecorded_request"},
     "side_effect_unconfirmed"},
    {"crashed", "crash_on_exit", {"crashed"}, "crashed"},
    // The search finds nothing: the fixed agent escalates (blocked); the broken one invents an answer.
    {"unexpected_status", "invent_answer", {"unexpected_status"}, "unexpected_status", Verdict::blocked},
};

void PrintTo(const ShippedCase& c, std::ostream* out) { *out << c.fixture << " with bug " << c.bug; }

std::set<std::string> codes(const FixtureResult& result) {
    std::set<std::string> out;
    for (const auto& reason : result.reasons) out.insert(reason.code);
    return out;
}

class ShippedFixture : public ::testing::TestWithParam<ShippedCase> {
protected:
    FixtureResult replay(const std::string& bug) {
        ReplayOptions options;
        options.report_dir = dir_.path() / "report";
        if (!bug.empty()) options.extra_env["RESEARCH_AGENT_BUG"] = bug;
        return replay_fixture(shipped_suite() / GetParam().fixture, options);
    }
    TempDir dir_;
};

TEST_P(ShippedFixture, PassesAgainstTheFixedAgent) {
    FixtureResult result = replay("");
    EXPECT_EQ(result.verdict, GetParam().fixed) << Json(result.reasons).dump(2);
    EXPECT_TRUE(result.reasons.empty()) << Json(result.reasons).dump(2);
}

TEST_P(ShippedFixture, FailsAgainstTheBrokenAgentWithExactlyItsReasonCode) {
    FixtureResult result = replay(GetParam().bug);
    EXPECT_EQ(result.verdict, Verdict::failed);
    EXPECT_EQ(codes(result), GetParam().codes) << Json(result.reasons).dump(2);
}

TEST_P(ShippedFixture, NotesNameTheClassItProtects) {
    Fixture fixture = load_fixture(shipped_suite() / GetParam().fixture, source_dir());
    EXPECT_EQ(fixture.notes.failure_class, GetParam().failure_class);
    ASSERT_TRUE(fixture.notes.proof_broken.has_value());
    EXPECT_EQ(fixture.notes.proof_broken->ref, "RESEARCH_AGENT_BUG=" + GetParam().bug);
    const auto& recorded = fixture.notes.proof_broken->reasons;
    EXPECT_EQ(std::set<std::string>(recorded.begin(), recorded.end()), GetParam().codes);
    ASSERT_TRUE(fixture.notes.proof_fixed.has_value());
    EXPECT_EQ(fixture.notes.proof_fixed->verdict, to_string(GetParam().fixed));
}

INSTANTIATE_TEST_SUITE_P(Shipped, ShippedFixture, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.fixture; });

TEST(ShippedSuite, EveryShippedFixtureIsCoveredAbove) {
    std::set<std::string> covered;
    for (const auto& c : kCases) covered.insert(c.fixture);
    for (const auto& dir : list_fixture_dirs(shipped_suite())) {
        EXPECT_TRUE(covered.count(dir.filename().string())) << dir << " has no broken-agent test";
    }
}

// SPEC §2: every reason code a contract check can emit is protected by some shipped fixture.
TEST(ShippedSuite, EveryContractReasonCodeIsProducedBySomeFixture) {
    const std::set<std::string> spec_codes = {
        "unexpected_status",                                                       // status
        "nonzero_exit", "crashed",                                                 // exit
        "missing_artifact_ref", "empty_output", "schema_mismatch", "artifact_content_mismatch",  // artifacts
        "missing_evidence_path",                                                   // evidence
        "forbidden_mutation",                                                      // mutations
        "diff_out_of_bounds",                                                      // diffs
        "forbidden_tool", "missing_tool_call", "tool_budget_exceeded", "loop_detected", "trajectory_mismatch",  // tools
        "side_effect_unconfirmed", "duplicate_side_effect",                        // side_effects
        "timeout", "budget_exceeded",                                              // budget
        "unrecorded_request",                                                      // network
    };
    ASSERT_EQ(spec_codes.size(), 20u);
    std::set<std::string> produced;
    for (const auto& c : kCases) produced.insert(c.codes.begin(), c.codes.end());
    EXPECT_EQ(produced, spec_codes);
}

TEST(ShippedSuite, FaultFixturesSeeTheInjectedFaultsInTheTrace) {
    TempDir dir;
    ReplayOptions options;
    options.report_dir = dir.path() / "report";
    FixtureResult result = replay_fixture(shipped_suite() / "retry_on_503", options);
    ASSERT_EQ(result.verdict, Verdict::passed) << Json(result.reasons).dump(2);
    std::vector<std::string> faults;
    for (const auto& event : result.trace) faults.push_back(event.fault);
    EXPECT_EQ(faults, (std::vector<std::string>{"status", "status", "", ""}));
}

TEST(ShippedSuite, RetriedPublishReusesItsIdempotencyKey) {
    TempDir dir;
    ReplayOptions options;
    options.report_dir = dir.path() / "report";
    FixtureResult result = replay_fixture(shipped_suite() / "duplicate_side_effect", options);
    ASSERT_EQ(result.verdict, Verdict::passed) << Json(result.reasons).dump(2);
    std::vector<std::string> faults;
    std::set<std::string> keys;
    for (const auto& event : result.trace) {
        if (event.tool != "publish") continue;
        faults.push_back(event.fault);
        keys.insert(event.idempotency_key);
    }
    EXPECT_EQ(faults, (std::vector<std::string>{"malformed", ""}));
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_FALSE(keys.begin()->empty());
}

TEST(ShippedSuite, HangingAgentLeavesNoProcessBehind) {
    TempDir dir;
    ReplayOptions options;
    options.report_dir = dir.path() / "report";
    options.extra_env["RESEARCH_AGENT_BUG"] = "hang";
    FixtureResult result = replay_fixture(shipped_suite() / "timeout", options);
    ASSERT_EQ(result.verdict, Verdict::failed);
    // The agent and its forked grandchild both carry the workspace path in argv.
    for (int i = 0; i < 50 && process_with_cmdline_exists(result.workspace); ++i) usleep(100000);
    EXPECT_FALSE(process_with_cmdline_exists(result.workspace));
}

}  // namespace
}  // namespace agent_replay
