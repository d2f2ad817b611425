#include <agent_replay/contract_checks.hpp>

#include <gtest/gtest.h>

#include "../support/test_support.hpp"

namespace agent_replay {
namespace {
namespace fs = std::filesystem;
using namespace testing_support;

std::vector<std::string> codes(const std::vector<Reason>& reasons) {
    std::vector<std::string> out;
    for (const auto& reason : reasons) out.push_back(reason.code);
    return out;
}

// A finished run in a real workspace; tests adjust what they need.
class ContractChecks : public ::testing::Test {
protected:
    void SetUp() override {
        run_.workspace = dir_.path();
        run_.process.started = true;
        run_.process.exit_code = 0;
    }
    void write(const std::string& relpath, const std::string& content) {
        write_file(dir_.path() / relpath, content);
        run_.after = snapshot_workspace(dir_.path());
    }
    ArtifactCheck& artifact(const std::string& path) {
        contract_.artifacts.push_back(ArtifactCheck{});
        contract_.artifacts.back().path = path;
        return contract_.artifacts.back();
    }
    static TraceEvent call(const std::string& tool, bool recorded = true) {
        TraceEvent event;
        event.tool = tool;
        event.method = "POST";
        event.path = "/tools/" + tool;
        if (recorded) event.interaction_id = tool + "-1";
        else event.miss = {{"closest", tool + "-1"}, {"differences", Json::array()}};
        return event;
    }

    TempDir dir_;
    Contract contract_;
    RunObservation run_;
};

TEST_F(ContractChecks, ExitCodeAndSignal) {
    EXPECT_TRUE(check_exit(contract_, run_).empty());
    run_.process.exit_code = 3;
    EXPECT_EQ(codes(check_exit(contract_, run_)), std::vector<std::string>{"nonzero_exit"});
    contract_.exit_code = 3;
    EXPECT_TRUE(check_exit(contract_, run_).empty());
    run_.process.signal = 11;
    EXPECT_EQ(codes(check_exit(contract_, run_)), std::vector<std::string>{"crashed"});
}

TEST_F(ContractChecks, MissingArtifact) {
    artifact("report.json");
    EXPECT_EQ(codes(check_artifacts(contract_, run_)), std::vector<std::string>{"missing_artifact_ref"});
    write("report.json", "{\"ok\": 1}");
    EXPECT_TRUE(check_artifacts(contract_, run_).empty());
}

TEST_F(ContractChecks, GlobArtifactNeedsAtLeastOneMatch) {
    artifact("out/*.md");
    write("out/readme.txt", "x");
    EXPECT_EQ(codes(check_artifacts(contract_, run_)), std::vector<std::string>{"missing_artifact_ref"});
    write("out/a.md", "x");
    EXPECT_TRUE(check_artifacts(contract_, run_).empty());
}

TEST_F(ContractChecks, EmptyOutputForZeroBytesBlankOrEmptyJson) {
    artifact("report.json").non_empty = true;
    for (const std::string& content : std::vector<std::string>{"", " \n\t"}) {
        write("report.json", content);
        EXPECT_EQ(codes(check_artifacts(contract_, run_)), std::vector<std::string>{"empty_output"}) << content.size();
    }
    contract_.artifacts[0].json_exists = {"/a"};
    write("report.json", "{}");
    EXPECT_EQ(codes(check_artifacts(contract_, run_)), std::vector<std::string>{"empty_output"});
}

TEST_F(ContractChecks, SizeBounds) {
    auto& check = artifact("log.txt");
    check.min_bytes = 3;
    check.max_bytes = 5;
    write("log.txt", "ab");
    EXPECT_EQ(codes(check_artifacts(contract_, run_)), std::vector<std::string>{"artifact_content_mismatch"});
    write("log.txt", "abcdef");
    EXPECT_EQ(codes(check_artifacts(contract_, run_)), std::vector<std::string>{"artifact_content_mismatch"});
    write("log.txt", "abcd");
    EXPECT_TRUE(check_artifacts(contract_, run_).empty());
}

TEST_F(ContractChecks, JsonSchema) {
    auto& check = artifact("report.json");
    check.schema_file = "schemas/report.schema.json";
    check.schema = Json::parse(R"({"type": "object", "required": ["evidence"],
                                  "properties": {"evidence": {"type": "array", "items": {"type": "string"}}}})");
    write("report.json", R"({"evidence": "a.txt"})");
    auto reasons = check_artifacts(contract_, run_);
    ASSERT_EQ(codes(reasons), std::vector<std::string>{"schema_mismatch"});
    EXPECT_FALSE(reasons[0].detail["errors"].empty());
    write("report.json", "not json");
    EXPECT_EQ(codes(check_artifacts(contract_, run_)), std::vector<std::string>{"schema_mismatch"});
    write("report.json", R"({"evidence": ["a.txt"]})");
    EXPECT_TRUE(check_artifacts(contract_, run_).empty());
}

TEST_F(ContractChecks, JsonPointerEqualsAndExists) {
    auto& check = artifact("report.json");
    check.json_equals = {{"/status", "done"}};
    check.json_exists = {"/evidence/0"};
    write("report.json", R"({"status": "failed", "evidence": []})");
    auto reasons = check_artifacts(contract_, run_);
    EXPECT_EQ(codes(reasons), (std::vector<std::string>{"artifact_content_mismatch", "artifact_content_mismatch"}));
    EXPECT_EQ(reasons[0].detail["actual"], "failed");
    write("report.json", R"({"status": "done", "evidence": ["x"]})");
    EXPECT_TRUE(check_artifacts(contract_, run_).empty());
}

TEST_F(ContractChecks, Mutations) {
    contract_.mutations = MutationRules{{"sources/**"}, std::vector<std::string>{"report.json", "notes/**"}};
    run_.changes.created = {"report.json", "notes/a.md"};
    EXPECT_TRUE(check_mutations(contract_, run_).empty());
    run_.changes.modified = {"sources/a.txt"};
    run_.changes.deleted = {"other.txt"};
    auto reasons = check_mutations(contract_, run_);
    ASSERT_EQ(codes(reasons), std::vector<std::string>{"forbidden_mutation"});
    EXPECT_EQ(reasons[0].detail["changes"].size(), 2u);
    EXPECT_EQ(reasons[0].path, "sources/a.txt");
}

TEST_F(ContractChecks, ToolsAllowForbidAndMaxCalls) {
    contract_.tools = ToolRules{std::vector<std::string>{"search", "model"}, {"shell"}, {{"search", 2}}};
    run_.trace = {call("search"), call("model"), call("search")};
    EXPECT_TRUE(check_tools(contract_, run_).empty());
    run_.trace.push_back(call("search"));
    EXPECT_EQ(codes(check_tools(contract_, run_)), std::vector<std::string>{"tool_budget_exceeded"});
    run_.trace = {call("shell")};
    EXPECT_EQ(codes(check_tools(contract_, run_)), std::vector<std::string>{"forbidden_tool"});
    run_.trace = {call("browser")};
    EXPECT_EQ(codes(check_tools(contract_, run_)), std::vector<std::string>{"forbidden_tool"});
}

TEST_F(ContractChecks, BudgetAndTimeout) {
    EXPECT_TRUE(check_budget(contract_, run_).empty());
    contract_.max_wall_seconds = 1;
    run_.process.wall_seconds = 1.5;
    EXPECT_EQ(codes(check_budget(contract_, run_)), std::vector<std::string>{"timeout"});
    run_.process.wall_seconds = 0.5;
    run_.process.timed_out = true;
    EXPECT_EQ(codes(check_budget(contract_, run_)), std::vector<std::string>{"timeout"});
}

TEST_F(ContractChecks, NetworkNamesTheClosestInteraction) {
    run_.trace = {call("search"), call("search", false)};
    auto reasons = check_network(run_);
    ASSERT_EQ(codes(reasons), std::vector<std::string>{"unrecorded_request"});
    EXPECT_NE(reasons[0].message.find("search-1"), std::string::npos);
}

TEST_F(ContractChecks, KilledRunIsJudgedOnlyByBudgetAndNetwork) {
    artifact("report.json");
    run_.process.timed_out = true;
    run_.process.signal = 15;
    EXPECT_EQ(codes(evaluate_contract(contract_, run_)), std::vector<std::string>{"timeout"});
}

TEST_F(ContractChecks, VerdictFollowsReasonsAndExpectedStatus) {
    std::vector<Reason> none;
    EXPECT_EQ(decide_verdict(contract_, none), Verdict::passed);
    std::vector<Reason> one{Reason{"timeout", "budget", "", "", nullptr}};
    EXPECT_EQ(decide_verdict(contract_, one), Verdict::failed);
    contract_.status = Verdict::blocked;
    std::vector<Reason> empty;
    EXPECT_EQ(decide_verdict(contract_, empty), Verdict::failed);
    EXPECT_EQ(codes(empty), std::vector<std::string>{"unexpected_status"});
}

}  // namespace
}  // namespace agent_replay
