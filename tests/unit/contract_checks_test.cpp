#include <agent_replay/contract_checks.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>

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
    contract_.mutations = MutationRules{{"sources/**"}, std::vector<std::string>{"report.json", "notes/**"}, Severity::error};
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
    contract_.tools = ToolRules{};
    contract_.tools->allow = std::vector<std::string>{"search", "model"};
    contract_.tools->forbid = {"shell"};
    contract_.tools->max_calls = {{"search", 2}};
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
    contract_.budget.max_wall_seconds = 1;
    run_.process.wall_seconds = 1.5;
    EXPECT_EQ(codes(check_budget(contract_, run_)), std::vector<std::string>{"timeout"});
    run_.process.wall_seconds = 0.5;
    run_.process.timed_out = true;
    EXPECT_EQ(codes(check_budget(contract_, run_)), std::vector<std::string>{"timeout"});
}

TEST_F(ContractChecks, NetworkNamesTheClosestInteraction) {
    run_.trace = {call("search"), call("search", false)};
    auto reasons = check_network(contract_, run_);
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
    EXPECT_EQ(decide_verdict(contract_, run_, none), Verdict::passed);
    std::vector<Reason> one{Reason{"timeout", "budget", "", "", nullptr}};
    EXPECT_EQ(decide_verdict(contract_, run_, one), Verdict::failed);
    contract_.status = Verdict::blocked;
    std::vector<Reason> empty;
    EXPECT_EQ(decide_verdict(contract_, run_, empty), Verdict::failed);
    EXPECT_EQ(codes(empty), std::vector<std::string>{"unexpected_status"});
}

TEST_F(ContractChecks, WarningsOnlyDegrade) {
    std::vector<Reason> warning{Reason{"loop_detected", "tools", "", "", nullptr, Severity::warn}};
    EXPECT_EQ(decide_verdict(contract_, run_, warning), Verdict::degraded);
    EXPECT_FALSE(is_failure(Verdict::degraded));
    warning.push_back(Reason{"timeout", "budget", "", "", nullptr});
    EXPECT_EQ(decide_verdict(contract_, run_, warning), Verdict::failed);
}

TEST_F(ContractChecks, SeverityOfACheckIsCarriedByItsReasons) {
    contract_.tools = ToolRules{};
    contract_.tools->required = {"search"};
    contract_.tools->severity = Severity::warn;
    auto reasons = evaluate_contract(contract_, run_);
    ASSERT_EQ(codes(reasons), std::vector<std::string>{"missing_tool_call"});
    EXPECT_EQ(reasons[0].severity, Severity::warn);
    EXPECT_EQ(Json(reasons[0])["severity"], "warn");
}

TEST_F(ContractChecks, EscalationIsBlockedOnlyWhereTheContractExpectsIt) {
    artifact("report.json");  // an agent that escalates writes no result; not judged
    write_file(dir_.path() / "events.jsonl", "not json\n{\"type\": \"progress\"}\n{\"type\": \"blocked\", \"reason\": \"no sources\"}\n");
    run_.escalation = read_escalation(dir_.path() / "events.jsonl");
    ASSERT_EQ(run_.escalation, std::optional<std::string>("no sources"));
    contract_.status = Verdict::blocked;
    auto reasons = evaluate_contract(contract_, run_);
    EXPECT_TRUE(reasons.empty()) << Json(reasons).dump();
    EXPECT_EQ(decide_verdict(contract_, run_, reasons), Verdict::blocked);
    EXPECT_FALSE(is_failure(Verdict::blocked));

    contract_.status = Verdict::passed;
    reasons = evaluate_contract(contract_, run_);
    EXPECT_EQ(decide_verdict(contract_, run_, reasons), Verdict::failed);
    EXPECT_EQ(codes(reasons), std::vector<std::string>{"unexpected_status"});
    EXPECT_NE(reasons[0].message.find("no sources"), std::string::npos);
    EXPECT_EQ(read_escalation(dir_.path() / "absent.jsonl"), std::nullopt);
}

TEST_F(ContractChecks, TextAndRegexOnArtifacts) {
    write("report.md", "Summary [sources/a.txt]\nTODO: fill in\n");
    ArtifactCheck& check = artifact("report.md");
    check.contains = {"Summary"};
    check.regex = {R"(\[sources/[^\]]+\])"};
    EXPECT_TRUE(check_artifacts(contract_, run_).empty());
    check.not_contains = {"TODO"};
    check.regex.push_back(R"(^Conclusion)");
    auto reasons = check_artifacts(contract_, run_);
    EXPECT_EQ(codes(reasons), (std::vector<std::string>{"artifact_content_mismatch", "artifact_content_mismatch"}));
}

TEST_F(ContractChecks, EvidenceMustExistInTheWorkspace) {
    write("sources/a.txt", "a");
    write("sources/b.txt", "b");
    write("report.json", R"({"evidence": ["sources/a.txt", {"path": "sources/./b.txt"}]})");
    contract_.evidence = EvidenceRule{"report.json", "/evidence", 2, Severity::error};
    EXPECT_TRUE(check_evidence(contract_, run_).empty());
    contract_.evidence->min_count = 3;
    EXPECT_EQ(codes(check_evidence(contract_, run_)), std::vector<std::string>{"missing_evidence_path"});
    contract_.evidence->min_count = 1;
    for (const char* bad : {R"({"evidence": ["sources/made_up.txt"]})", R"({"evidence": ["../etc/passwd"]})",
                            R"({"evidence": [42]})", R"({"evidence": "sources/a.txt"})", R"({"other": []})", "not json"}) {
        write("report.json", bad);
        auto reasons = check_evidence(contract_, run_);
        EXPECT_EQ(codes(reasons), std::vector<std::string>{"missing_evidence_path"}) << bad;
    }
    std::filesystem::remove(dir_.path() / "report.json");
    run_.after = snapshot_workspace(dir_.path());
    EXPECT_EQ(codes(check_evidence(contract_, run_)), std::vector<std::string>{"missing_evidence_path"});
}

TEST_F(ContractChecks, DiffsAreBoundedPerFileAndInFileCount) {
    TempDir baseline;
    write_file(baseline.path() / "notes/log.md", "one\ntwo\nthree\n");
    write_file(baseline.path() / "notes/old.md", "gone\n");
    run_.baseline = baseline.path();
    write("notes/log.md", "one\ntwo\nthree\nfour\n");
    run_.changes.modified = {"notes/log.md"};
    contract_.diffs = {DiffBound{"notes/*.md", 1, 0, 1, Severity::error}};
    EXPECT_TRUE(check_diffs(contract_, run_).empty()) << Json(check_diffs(contract_, run_)).dump();

    write("notes/log.md", "ONE\ntwo\nthree\nfour\nfive\n");  // 1 removed, 3 added
    auto reasons = check_diffs(contract_, run_);
    ASSERT_EQ(codes(reasons), std::vector<std::string>{"diff_out_of_bounds"});
    EXPECT_EQ(reasons[0].detail["added"], 3);
    EXPECT_EQ(reasons[0].detail["removed"], 1);

    write("notes/log.md", "one\ntwo\nthree\n");
    run_.changes.modified = {};
    run_.changes.deleted = {"notes/old.md"};
    run_.changes.created = {"notes/new.md"};
    write("notes/new.md", "x\n");
    reasons = check_diffs(contract_, run_);
    EXPECT_EQ(codes(reasons), (std::vector<std::string>{"diff_out_of_bounds", "diff_out_of_bounds"}))
        << "two files changed (max 1), and deleting old.md removed a line (max 0)";
}

TEST_F(ContractChecks, RequiredToolsTrajectoryAndLoops) {
    contract_.tools = ToolRules{};
    contract_.tools->trajectory = {"search", "model", "publish"};
    run_.trace = {call("search"), call("search"), call("model"), call("publish")};
    EXPECT_TRUE(check_tools(contract_, run_).empty()) << "other calls may come between the steps";
    run_.trace = {call("search"), call("publish"), call("model")};
    EXPECT_EQ(codes(check_tools(contract_, run_)), std::vector<std::string>{"trajectory_mismatch"});
    run_.trace = {call("search"), call("model")};
    EXPECT_EQ(codes(check_tools(contract_, run_)), std::vector<std::string>{"missing_tool_call"})
        << "a step never taken is a missing call, not a wrong order";

    contract_.tools = ToolRules{};
    contract_.tools->max_identical_repeats = 1;
    TraceEvent same = call("search");
    same.call_key = "k1";
    TraceEvent other = call("search");
    other.call_key = "k2";
    run_.trace = {same, same, other};
    EXPECT_TRUE(check_tools(contract_, run_).empty()) << "one repeat is allowed";
    run_.trace.push_back(same);
    EXPECT_EQ(codes(check_tools(contract_, run_)), std::vector<std::string>{"loop_detected"});
    TraceEvent refused = same;
    refused.fault = "status";
    run_.trace = {refused, refused, same, other};
    EXPECT_TRUE(check_tools(contract_, run_).empty()) << "retries after injected faults are not a loop";
}

TEST_F(ContractChecks, SideEffectsRunOnceAndMatchARecording) {
    contract_.side_effects = SideEffectRules{};
    auto publish = [](std::size_t seq, std::string fault = "", std::string key = "") {
        TraceEvent event = call("publish");
        event.seq = seq;
        event.side_effect = true;
        event.fault = std::move(fault);
        event.idempotency_key = std::move(key);
        return event;
    };
    run_.trace = {publish(0, "status"), publish(1)};
    EXPECT_TRUE(check_side_effects(contract_, run_).empty()) << "a refused attempt (503) did not execute";
    run_.trace = {publish(0, "malformed"), publish(1)};
    EXPECT_EQ(codes(check_side_effects(contract_, run_)), std::vector<std::string>{"duplicate_side_effect"})
        << "a broken answer came after the upstream acted";
    run_.trace = {publish(0, "malformed", "k-1"), publish(1, "", "k-1")};
    EXPECT_TRUE(check_side_effects(contract_, run_).empty()) << "same Idempotency-Key: one execution";

    TraceEvent spent = call("publish", false);
    spent.seq = 1;
    spent.miss = {{"closest", "publish-1"}, {"differences", Json::array({{{"field", "repeat"}}})}};
    spent.side_effect = true;  // the proxy copies the spent recording's flag
    run_.trace = {publish(0), spent};
    EXPECT_EQ(codes(check_side_effects(contract_, run_)), std::vector<std::string>{"duplicate_side_effect"})
        << "the same request again after its recording was spent";
    TraceEvent read_again = call("search", false);
    read_again.method = "POST";
    read_again.miss = spent.miss;
    read_again.miss["closest"] = "search-1";
    run_.trace = {call("search"), read_again};
    EXPECT_TRUE(check_side_effects(contract_, run_).empty()) << "a spent recording that is not a side effect";

    run_.trace = {call("drafts", false)};
    EXPECT_EQ(codes(check_side_effects(contract_, run_)), std::vector<std::string>{"side_effect_unconfirmed"});
    contract_.side_effects->tools = std::vector<std::string>{"publish"};
    EXPECT_TRUE(check_side_effects(contract_, run_).empty()) << "out of scope";
}

TEST_F(ContractChecks, HostileArtifactsAreJudgedNotCrashedOn) {
    write("deep.json", std::string(300000, '[') + std::string(300000, ']'));
    ArtifactCheck& deep = artifact("deep.json");
    deep.json_equals = {{"", Json(1)}};
    EXPECT_EQ(codes(check_artifacts(contract_, run_)), std::vector<std::string>{"artifact_content_mismatch"})
        << "nested deeper than we compare: not JSON to us";

    contract_.artifacts.clear();
    write("list.json", "[1, 2]");
    ArtifactCheck& list = artifact("list.json");
    list.json_exists = {"/99999999999999999999999", "/x"};
    EXPECT_EQ(codes(check_artifacts(contract_, run_)),
              (std::vector<std::string>{"artifact_content_mismatch", "artifact_content_mismatch"}));

    write("events.jsonl", "{\"type\": 1}\n" + std::string(100000, '{') + "\n{\"type\": \"blocked\", \"reason\": " +
                              std::string(100000, '[') + std::string(100000, ']') + "}\n");
    EXPECT_EQ(read_escalation(dir_.path() / "events.jsonl"), std::nullopt) << "nothing readable escalates";
    ASSERT_EQ(mkfifo((dir_.path() / "fifo.jsonl").c_str(), 0600), 0);
    EXPECT_EQ(read_escalation(dir_.path() / "fifo.jsonl"), std::nullopt) << "a FIFO is not read (it would block)";
}

TEST_F(ContractChecks, EvidenceIsNotReadFromFifosOrThroughSymlinksOutOfTheWorkspace) {
    write("a.md", "a");
    ASSERT_EQ(mkfifo((dir_.path() / "report.json").c_str(), 0600), 0);
    run_.after = snapshot_workspace(dir_.path());
    contract_.evidence = EvidenceRule{"report.json", "/evidence", 1, Severity::error};
    EXPECT_EQ(codes(check_evidence(contract_, run_)), std::vector<std::string>{"missing_evidence_path"});

    std::filesystem::remove(dir_.path() / "report.json");
    std::filesystem::create_symlink("/etc/hostname", dir_.path() / "outside.txt");
    write("report.json", R"({"evidence": ["outside.txt"]})");
    EXPECT_EQ(codes(check_evidence(contract_, run_)), std::vector<std::string>{"missing_evidence_path"});
    write("report.json", R"({"evidence": ["a.md", "./a.md", "a.md"]})");
    contract_.evidence->min_count = 2;
    EXPECT_EQ(codes(check_evidence(contract_, run_)), std::vector<std::string>{"missing_evidence_path"})
        << "one file cited three times is one piece of evidence";
}

TEST_F(ContractChecks, SizeOfASymlinkedArtifactIsTheSizeOfItsTarget) {
    write("big.json", std::string(5000, ' ') + "{}");
    std::filesystem::create_symlink("big.json", dir_.path() / "out.json");
    run_.after = snapshot_workspace(dir_.path());
    ArtifactCheck& check = artifact("out.json");
    check.max_bytes = 100;
    EXPECT_EQ(codes(check_artifacts(contract_, run_)), std::vector<std::string>{"artifact_content_mismatch"});
}

TEST_F(ContractChecks, BudgetOfToolCallsAndTokens) {
    contract_.budget.max_tool_calls = 2;
    contract_.budget.max_tokens = 500;
    TraceEvent model = call("model");
    model.tokens = 256;
    run_.trace = {call("search"), model};
    EXPECT_TRUE(check_budget(contract_, run_).empty());
    run_.trace.push_back(model);
    auto reasons = check_budget(contract_, run_);
    EXPECT_EQ(codes(reasons), (std::vector<std::string>{"budget_exceeded", "budget_exceeded"}));
    EXPECT_EQ(reasons[1].detail["tokens"], 512);
}

}  // namespace
}  // namespace agent_replay
