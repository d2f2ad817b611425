#include <agent_replay/fixture.hpp>
#include <agent_replay/reason_codes.hpp>
#include <agent_replay/report.hpp>
#include <agent_replay/report_html.hpp>
#include <agent_replay/suite.hpp>
#include <agent_replay/suite_reports.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace agent_replay {
namespace fs = std::filesystem;
namespace {

std::string read_trimmed(const fs::path& file) {
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    return text;
}

std::string pretty(const Json& value) { return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"; }

std::vector<std::string> codes_of(const FixtureResult& result) {
    std::vector<std::string> out;
    for (const auto& reason : result.reasons) {
        if (std::find(out.begin(), out.end(), reason.code) == out.end()) out.push_back(reason.code);
    }
    return out;
}

// The reason that decided the verdict: the first error, else the first warning.
const Reason* deciding_reason(const FixtureResult& result) {
    for (const auto& reason : result.reasons) {
        if (reason.severity == Severity::error) return &reason;
    }
    return result.reasons.empty() ? nullptr : &result.reasons.front();
}

std::string ctest_command(const FixtureResult& result) {
    return "ctest -R " + shell_quote("^" + fixture_test_name(result.fixture_id) + "$") + " --output-on-failure";
}

// The fixture runner replays in cassette and strict mode only.
Json gtest_command(const FixtureResult& result, const ReportEnvironment& environment) {
    std::string mode = environment.mode.empty() ? "cassette" : environment.mode;
    if (mode != "cassette" && mode != "strict") return nullptr;
    return "agent_replay_fixture_runner --fixtures " + shell_quote(environment.suite_dir.empty() ? "." : environment.suite_dir) +
           " --suite-name " + shell_quote(environment.suite) + " --mode " + mode + result.replay_flags + " " +
           shell_quote("--gtest_filter=" + environment.suite + "." + fixture_test_name(result.fixture_id));
}

int tier_rank(const std::string& tier) {
    if (tier == "critical") return 0;
    if (tier == "hourly") return 1;
    return 2;
}

}  // namespace

std::string git_sha_of(const fs::path& repo_root) {
    fs::path git = repo_root / ".git";
    std::error_code ec;
    if (fs::is_regular_file(git, ec)) {  // a worktree or submodule: "gitdir: <path>"
        std::string pointer = read_trimmed(git);
        if (pointer.rfind("gitdir: ", 0) != 0) return "";
        git = fs::path(pointer.substr(8));
        if (git.is_relative()) git = repo_root / git;
    }
    std::string head = read_trimmed(git / "HEAD");
    if (head.rfind("ref: ", 0) != 0) return head.size() == 40 ? head : "";
    std::string ref = head.substr(5);
    for (const fs::path& dir : {git, git / ".." / ".." /* commondir of a worktree */}) {
        std::string sha = read_trimmed(dir / ref);
        if (sha.size() == 40) return sha;
        std::ifstream packed(dir / "packed-refs");
        std::string line;
        while (std::getline(packed, line)) {
            if (line.size() > 41 && line.compare(41, std::string::npos, ref) == 0) return line.substr(0, 40);
        }
    }
    return "";
}

ReportEnvironment environment_of(const std::vector<FixtureResult>& results, const std::string& suite_name,
                                 const fs::path& report_dir) {
    ReportEnvironment environment;
    environment.suite = suite_name;
    environment.report_dir = report_dir.string();
    if (results.empty()) return environment;
    const FixtureResult& first = results.front();
    environment.mode = first.mode;
    environment.seed = first.seed;
    environment.replay_flags = first.replay_flags;
    if (environment.suite.empty()) environment.suite = first.suite;
    fs::path suite_dir = fs::path(first.fixture_dir).parent_path();
    fs::path repo_root = find_repo_root(suite_dir);
    std::error_code ec;
    fs::path relative = fs::weakly_canonical(suite_dir, ec).lexically_relative(fs::weakly_canonical(repo_root, ec));
    bool inside = !relative.empty() && *relative.begin() != "..";
    environment.suite_dir = inside ? relative.generic_string() : suite_dir.generic_string();
    environment.git_sha = git_sha_of(repo_root);
    return environment;
}

Json summary_json(const std::vector<FixtureResult>& results, const ReportEnvironment& environment) {
    std::map<std::string, int> totals{{"passed", 0}, {"failed", 0}, {"blocked", 0},
                                      {"degraded", 0}, {"skipped", 0}, {"inconclusive", 0}};
    Json failed = Json::array();
    Json fixtures = Json::array();
    for (const auto& result : results) {
        ++totals[std::string(to_string(result.verdict))];
        if (is_failure(result.verdict)) failed.push_back(result.fixture_id);
        Json entry = {{"fixture_id", result.fixture_id}, {"verdict", std::string(to_string(result.verdict))},
                      {"reason_codes", codes_of(result)}, {"failure_class", result.failure_class},
                      {"tier", result.tier}, {"duration_seconds", result.duration_seconds},
                      {"replay_command", result.replay_command}};
        if (result.quarantine) entry["quarantine_until"] = result.quarantine->until;
        fixtures.push_back(entry);
    }
    Json counts = {{"total", results.size()}};
    for (const auto& [verdict, count] : totals) counts[verdict] = count;
    std::string suite_dir = shell_quote(environment.suite_dir.empty() ? "." : environment.suite_dir);
    std::string mode = environment.mode.empty() ? "cassette" : environment.mode;
    std::string flags = " --mode " + mode + environment.replay_flags;
    std::string one_command =
        failed.empty() ? "agent-replay run --fixtures " + suite_dir + flags
                       : "agent-replay run --fixtures " + suite_dir + flags + " --rerun-from " +
                             shell_quote((fs::path(environment.report_dir) / "summary.json").generic_string());
    return {{"schema_version", 1},
            {"suite", environment.suite},
            {"mode", mode},
            {"seed", environment.seed ? Json(*environment.seed) : Json(nullptr)},
            {"totals", counts},
            {"failed_fixture_ids", failed},
            {"one_command_replay", one_command},
            {"fixtures", fixtures}};
}

Json replay_bundle_json(const std::vector<FixtureResult>& results, const ReportEnvironment& environment) {
    Json shard = nullptr;
    if (environment.shard_index && environment.shard_total) {
        shard = {{"index", *environment.shard_index}, {"total", *environment.shard_total}};
    }
    Json failures = Json::array();
    for (const auto& result : results) {
        if (!is_failure(result.verdict)) continue;
        failures.push_back({{"fixture_id", result.fixture_id},
                            {"verdict", std::string(to_string(result.verdict))},
                            {"reason_codes", codes_of(result)},
                            {"replay_command", result.replay_command},
                            {"ctest_command", ctest_command(result)},
                            {"gtest_command", gtest_command(result, environment)},
                            {"run_id", result.run_id},
                            {"report_dir", result.report_dir},
                            {"workspace", result.workspace}});
    }
    return {{"schema_version", 1},
            {"environment",
             {{"suite", environment.suite},
              {"suite_dir", environment.suite_dir},
              {"mode", environment.mode},
              {"git_sha", environment.git_sha.empty() ? Json(nullptr) : Json(environment.git_sha)},
              // Without --seed, faults use the seeds written in each cassette.
              {"seed", environment.seed ? Json(*environment.seed) : Json(nullptr)},
              {"shard", shard}}},
            {"failures", failures}};
}

Json digest_json(const FixtureResult& result) {
    const Reason* first = deciding_reason(result);
    const ReasonCodeInfo* info = first ? find_reason_code(first->code) : nullptr;
    std::vector<std::string> checks;
    for (const auto& reason : result.reasons) {
        if (std::find(checks.begin(), checks.end(), reason.check) == checks.end()) checks.push_back(reason.check);
    }
    Json first_assertion = nullptr;
    if (first) first_assertion = *first;
    return {{"schema_version", 1},
            {"fixture_id", result.fixture_id},
            {"verdict", std::string(to_string(result.verdict))},
            {"failure_class", result.failure_class},
            {"root_cause_class", info ? Json(std::string(info->root_cause_class)) : Json(nullptr)},
            {"first_failing_assertion", first_assertion},
            {"impacted_checks", checks},
            {"reason_codes", codes_of(result)},
            {"meaning", info ? Json(std::string(info->meaning)) : Json(nullptr)},
            {"typical_root_cause", info ? Json(std::string(info->typical_cause)) : Json(nullptr)},
            {"remediation", info ? Json(std::string(info->remediation)) : Json(nullptr)},
            {"runbook", "README.md#when-a-fixture-fails"},
            {"replay_command", result.replay_command},
            {"report_dir", result.report_dir},
            {"workspace", result.workspace}};
}

std::optional<std::string> baseline_summary_problem(const Json& summary) {
    if (!summary.is_object()) return "not a JSON object";
    if (!summary.contains("fixtures") || !summary["fixtures"].is_array()) return "no \"fixtures\" array";
    for (std::size_t i = 0; i < summary["fixtures"].size(); ++i) {
        const Json& fixture = summary["fixtures"][i];
        std::string at = "fixtures[" + std::to_string(i) + "]";
        if (!fixture.is_object()) return at + " is not an object";
        if (!fixture.contains("fixture_id") || !fixture["fixture_id"].is_string()) return at + ".fixture_id is not a string";
        if (!fixture.contains("verdict") || !fixture["verdict"].is_string() ||
            !verdict_from_string(fixture["verdict"].get<std::string>())) {
            return at + ".verdict is not one of passed, failed, blocked, degraded, skipped, inconclusive";
        }
        if (fixture.contains("reason_codes")) {
            const Json& codes = fixture["reason_codes"];
            if (!codes.is_array() || !std::all_of(codes.begin(), codes.end(), [](const Json& c) { return c.is_string(); })) {
                return at + ".reason_codes is not a list of strings";
            }
        }
    }
    return std::nullopt;
}

Json triage_diff_json(const Json& baseline_summary, const std::vector<FixtureResult>& results,
                      const ReportEnvironment& environment) {
    std::map<std::string, std::set<std::string>> baseline_failures;  // id -> codes
    for (const auto& fixture : baseline_summary.value("fixtures", Json::array())) {
        auto verdict = verdict_from_string(fixture.value("verdict", ""));
        if (!verdict || !is_failure(*verdict)) continue;
        auto& codes = baseline_failures[fixture.value("fixture_id", "")];
        for (const auto& code : fixture.value("reason_codes", Json::array())) {
            if (code.is_string()) codes.insert(code.get<std::string>());
        }
    }
    struct Diagnostic {
        bool regression;
        const FixtureResult* result;
        std::vector<std::string> new_codes;
    };
    std::vector<Diagnostic> diagnostics;
    Json fixed = Json::array();
    for (const auto& result : results) {
        auto known = baseline_failures.find(result.fixture_id);
        if (!is_failure(result.verdict)) {
            // Skipped (quarantined) is not fixed: it was not replayed.
            if (known != baseline_failures.end() && result.verdict != Verdict::skipped) fixed.push_back(result.fixture_id);
            continue;
        }
        std::vector<std::string> new_codes;
        for (const auto& code : codes_of(result)) {
            if (known == baseline_failures.end() || !known->second.count(code)) new_codes.push_back(code);
        }
        diagnostics.push_back({!new_codes.empty(), &result, new_codes});
    }
    std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
        if (a.regression != b.regression) return a.regression;
        return tier_rank(a.result->tier) < tier_rank(b.result->tier);
    });
    Json ranked = Json::array();
    Json reproduce = Json::array();
    std::size_t regressions = 0;
    for (std::size_t i = 0; i < diagnostics.size(); ++i) {
        const Diagnostic& diagnostic = diagnostics[i];
        const FixtureResult& result = *diagnostic.result;
        const Reason* first = deciding_reason(result);
        regressions += diagnostic.regression;
        ranked.push_back({{"rank", i + 1},
                          {"fixture_id", result.fixture_id},
                          {"kind", diagnostic.regression ? "regression" : "known_failure"},
                          {"verdict", std::string(to_string(result.verdict))},
                          {"tier", result.tier},
                          {"reason_codes", codes_of(result)},
                          {"new_reason_codes", diagnostic.new_codes},
                          {"first_failing_assertion", first ? Json(*first) : Json(nullptr)},
                          {"replay_command", result.replay_command}});
        if (diagnostic.regression) reproduce.push_back(result.replay_command);
    }
    std::string status = regressions > 0 ? "regression" : diagnostics.empty() ? "stable" : "known_failures_only";
    return {{"schema_version", 1},
            {"status", status},
            {"regression_count", regressions},
            {"known_failure_count", diagnostics.size() - regressions},
            {"fixed", fixed},
            {"baseline_suite", baseline_summary.value("suite", "")},
            {"suite", environment.suite},
            {"diagnostics", ranked},
            {"reproduce", reproduce}};
}

fs::path write_suite_reports(const fs::path& report_dir, const std::vector<FixtureResult>& results,
                             const ReportEnvironment& environment) {
    fs::path junit = report_dir / "junit.xml";
    write_file_atomically(junit, junit_xml(environment.suite, results));
    write_file_atomically(report_dir / "summary.json", pretty(summary_json(results, environment)));
    write_file_atomically(report_dir / "replay_bundle.json", pretty(replay_bundle_json(results, environment)));
    std::error_code ec;
    fs::remove_all(report_dir / "digests", ec);
    for (const auto& result : results) {
        if (!is_failure(result.verdict) && result.verdict != Verdict::degraded) continue;
        if (!is_valid_fixture_id(result.fixture_id)) continue;  // its name is not safe as a file name
        write_file_atomically(report_dir / "digests" / (result.fixture_id + ".json"), pretty(digest_json(result)));
    }
    write_file_atomically(report_dir / "report.html", report_html(environment.suite, results));
    return junit;
}

std::optional<Json> read_baseline(const fs::path& baseline) {
    std::ifstream in(baseline);
    Json summary = parse_untrusted_json(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
    auto problem = in.is_open() ? baseline_summary_problem(summary) : std::optional<std::string>("cannot be read");
    if (problem) {
        std::fprintf(stderr, "agent-replay: --diff-from %s is not a usable summary.json: %s\n", baseline.string().c_str(),
                     problem->c_str());
        return std::nullopt;
    }
    return summary;
}

std::optional<Json> write_triage(const fs::path& baseline, const std::vector<FixtureResult>& results,
                                 const ReportEnvironment& environment, const fs::path& report_dir) {
    auto summary = read_baseline(baseline);
    if (!summary) return std::nullopt;
    if (summary->value("suite", environment.suite) != environment.suite) {
        std::fprintf(stderr, "warning: the baseline is suite '%s', this run is '%s'\n",
                     summary->value("suite", "").c_str(), environment.suite.c_str());
    }
    Json triage = triage_diff_json(*summary, results, environment);
    write_file_atomically(report_dir / "triage_diff.json", pretty(triage));
    std::printf("triage against %s: %s (%zu regression(s), %zu known failure(s)); %s\n", baseline.string().c_str(),
                triage["status"].get<std::string>().c_str(), triage["regression_count"].get<std::size_t>(),
                triage["known_failure_count"].get<std::size_t>(),
                fs::absolute(report_dir / "triage_diff.json").string().c_str());
    for (const auto& command : triage["reproduce"]) std::printf("    reproduce: %s\n", command.get<std::string>().c_str());
    std::fflush(stdout);
    return triage;
}

std::vector<std::string> failed_fixture_ids(const fs::path& summary_file) {
    std::ifstream in(summary_file);
    if (!in) throw std::runtime_error("cannot read " + summary_file.string());
    Json summary = parse_untrusted_json(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
    if (!summary.is_object() || !summary.contains("failed_fixture_ids") || !summary["failed_fixture_ids"].is_array()) {
        throw std::runtime_error(summary_file.string() + " is not an agent-replay summary.json (no failed_fixture_ids)");
    }
    std::vector<std::string> ids;
    for (const auto& id : summary["failed_fixture_ids"]) {
        if (id.is_string()) ids.push_back(id.get<std::string>());
    }
    return ids;
}

}  // namespace agent_replay
