#include <agent_replay/contract_checks.hpp>
#include <agent_replay/fixture.hpp>
#include <agent_replay/redaction.hpp>
#include <agent_replay/replay.hpp>
#include <agent_replay/utc_time.hpp>
#include <agent_replay/report.hpp>
#include <agent_replay/suite.hpp>
#include <agent_replay/templates.hpp>
#include <agent_replay/workspace.hpp>

#include <openssl/rand.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>

namespace agent_replay {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

std::string new_run_id() {
    unsigned char bytes[6];
    RAND_bytes(bytes, sizeof bytes);
    char hex[13];
    for (int i = 0; i < 6; ++i) std::snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char stamp[20];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    return std::string("replay-") + stamp + "-" + hex;
}

// "dir/", "." and "../x" all name a directory whose last component is the id.
fs::path normalised_dir(const fs::path& dir) {
    fs::path out = fs::absolute(dir).lexically_normal();
    if (out.filename().empty()) out = out.parent_path();
    return out;
}

void write_text(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
}

// Proxy variables the agent may have inherited would send loopback requests
// elsewhere; the proxy must see everything. In strict mode every proxy-aware
// client is pointed at the cassette proxy, so a request to any other host is
// seen (and blocked) instead of leaving the machine.
void set_proxy_environment(std::map<std::string, std::string>& env, ProxyMode mode, const std::string& proxy_url) {
    for (const char* name : {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"}) {
        if (mode == ProxyMode::strict) env[name] = proxy_url;
        else env.erase(name);
    }
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost";
}

ProcessSpec build_process_spec(const Fixture& fixture, const ReplayOptions& options, const TemplateValues& values,
                               const std::atomic<bool>* abort) {
    ProcessSpec spec;
    for (const auto& arg : fixture.input.agent.command) spec.argv.push_back(expand_templates(arg, values));
    spec.env = current_environment();
    set_proxy_environment(spec.env, options.mode, values.at("proxy_url"));
    for (const auto& [key, value] : fixture.input.agent.env) spec.env[key] = expand_templates(value, values);
    for (const auto& [key, value] : options.extra_env) spec.env[key] = value;
    spec.env["AGENT_REPLAY_PROXY_URL"] = values.at("proxy_url");
    spec.env["AGENT_REPLAY_WORKSPACE"] = values.at("workspace");
    spec.env["AGENT_REPLAY_RUN_ID"] = values.at("run_id");
    spec.env["AGENT_REPLAY_EVENTS"] = values.at("events");
    spec.survivor_marker = "AGENT_REPLAY_RUN_ID=" + values.at("run_id");
    spec.cwd = expand_templates(fixture.input.agent.cwd, values);
    double seconds = fixture.input.agent.timeout_seconds;
    // An error budget ends the run when it is spent; a warning budget only
    // measures it, so the agent runs on to its own timeout.
    const BudgetRules& budget = fixture.expected.budget;
    if (budget.max_wall_seconds && budget.severity == Severity::error) seconds = std::min(seconds, *budget.max_wall_seconds);
    spec.timeout = std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
    spec.output_limit = options.output_limit;
    spec.abort = abort;
    spec.interrupt = options.interrupt;
    return spec;
}

void run_and_judge(const Fixture& fixture, const ReplayOptions& options, const fs::path& case_dir,
                   const fs::path& repo_root, FixtureResult& result) {
    fs::path workspace = case_dir / "workspace";
    materialise_workspace(workspace, fixture.input.state);
    WorkspaceSnapshot before = snapshot_workspace(workspace);

    CassetteProxy proxy(fixture.cassette, fixture.input.routes, options.mode, options.seed);
    proxy.set_redact_json_paths(fixture.input.redact_json_paths);
    std::atomic<bool> abort{false};
    proxy.on_strict_violation([&abort] { abort = true; });
    proxy.start();

    TemplateValues values{{"proxy_url", proxy.url()},
                          {"workspace", fs::absolute(workspace).string()},
                          {"fixture_dir", fs::absolute(fixture.dir).string()},
                          {"repo", repo_root.string()},
                          {"run_id", result.run_id},
                          {"events", fs::absolute(case_dir / "events.jsonl").string()}};
    ProcessSpec spec = build_process_spec(fixture, options, values, &abort);

    RunObservation run;
    run.timeout_seconds = std::chrono::duration<double>(spec.timeout).count();
    run.process = run_agent_process(spec);
    proxy.stop();
    run.trace = proxy.trace();
    if ((options.mode == ProxyMode::record || options.mode == ProxyMode::live) && run.process.started) {
        result.cassette_written = save_captured_cassette(proxy, fixture.dir);
    }
    run.workspace = workspace;
    run.after = snapshot_workspace(workspace);
    run.changes = compare_snapshots(before, run.after);

    auto with_marker = [](const std::string& text, std::size_t dropped) {
        return dropped == 0 ? text : text + "\n[agent-replay: " + std::to_string(dropped) + " more bytes not kept]\n";
    };
    write_text(case_dir / "stdout.txt", with_marker(run.process.stdout_text, run.process.stdout_dropped));
    write_text(case_dir / "stderr.txt", with_marker(run.process.stderr_text, run.process.stderr_dropped));
    std::string trace_lines;
    for (const auto& event : run.trace) trace_lines += Json(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    write_text(case_dir / "trace.jsonl", trace_lines);

    result.exit_code = run.process.exit_code;
    result.signal = run.process.signal;
    result.trace = run.trace;
    result.artifacts = artifact_paths(fixture.expected, run.after);
    if (run.process.interrupted) {
        result.verdict = Verdict::inconclusive;
        result.reasons = {Reason{"harness_error", "harness", "the replay was interrupted before the agent finished", {},
                                 nullptr}};
    } else if (!run.process.started) {
        result.verdict = Verdict::inconclusive;
        result.reasons = {Reason{"harness_error", "harness", "the agent could not be started: " + run.process.start_error,
                                 {}, nullptr}};
    } else {
        run.escalation = read_escalation(values.at("events"));
        std::error_code ec;
        if (!fixture.expected.diffs.empty()) {  // the state as it was, to diff against
            run.baseline = case_dir / "baseline";
            materialise_workspace(run.baseline, fixture.input.state);
        }
        result.reasons = evaluate_contract(fixture.expected, run);
        result.verdict = decide_verdict(fixture.expected, run, result.reasons);
        if (!run.baseline.empty()) fs::remove_all(run.baseline, ec);
    }
    if (result.verdict == Verdict::passed) {
        std::error_code ec;
        fs::remove_all(workspace, ec);
    } else {
        result.workspace = fs::absolute(workspace).string();
    }
}

}  // namespace

std::string save_captured_cassette(const CassetteProxy& proxy, const fs::path& fixture_dir) {
    if (proxy.captured_exchanges() == 0) return "";
    fs::path file = fixture_dir / "tool_cassettes.json";
    std::error_code ec;
    if (fs::exists(file, ec)) fs::copy_file(file, fixture_dir / "tool_cassettes.json.bak", fs::copy_options::overwrite_existing, ec);
    write_file_atomically(file, cassette_to_json(proxy.recorded_cassette())
                                        .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                                    "\n");
    return fs::absolute(file).string();
}

fs::path fixture_report_dir(const fs::path& report_dir, const std::string& fixture_id) {
    return report_dir / "fixtures" / fixture_id;
}

FixtureResult replay_fixture(const fs::path& fixture_dir_argument, const ReplayOptions& options) {
    Clock::time_point start = Clock::now();
    fs::path fixture_dir = normalised_dir(fixture_dir_argument);
    fs::path repo_root = find_repo_root(fixture_dir);
    FixtureResult result;
    result.fixture_id = fixture_dir.filename().string();
    result.suite = options.suite_name.empty() ? fs::absolute(fixture_dir).parent_path().filename().string()
                                              : options.suite_name;
    result.fixture_dir = fixture_dir.string();
    result.run_id = new_run_id();
    result.mode = std::string(to_string(options.mode));
    // Variables the run was given on top of the fixture are part of reproducing
    // it; secret-looking ones are referenced from the shell, never written.
    for (const auto& [name, value] : options.extra_env) {
        result.replay_flags += " --set-env " + (is_secret_query_name(name) ? name + "=\"$" + name + "\""
                                                                             : shell_quote(name + "=" + value));
    }
    if (options.seed) result.replay_flags += " --seed " + std::to_string(*options.seed);
    result.replay_command = replay_command_for(fixture_dir, options.mode, repo_root) + result.replay_flags;
    result.seed = options.seed;
    result.started_at = utc_now_iso();

    // An id that is not a valid directory name of ours still gets a report folder.
    std::string folder = is_valid_fixture_id(result.fixture_id) ? result.fixture_id : "invalid_" + result.run_id;
    fs::path case_dir = fixture_report_dir(options.report_dir, folder);
    std::error_code ec;
    fs::remove_all(case_dir, ec);
    fs::create_directories(case_dir, ec);
    result.report_dir = fs::absolute(case_dir).string();

    try {
        Fixture fixture = load_fixture(fixture_dir, repo_root, options.mode == ProxyMode::record);
        result.failure_class = fixture.notes.failure_class;
        result.tier = fixture.input.tier;
        if (fixture.notes.quarantine) {
            const Quarantine& quarantine = *fixture.notes.quarantine;
            auto until = parse_utc_deadline(quarantine.until);  // validated at load
            result.quarantine = QuarantineStatus{quarantine.reason, quarantine.owner, quarantine.until,
                                                 until && *until < static_cast<std::int64_t>(std::time(nullptr))};
        }
        if (result.quarantine && !result.quarantine->expired) {
            result.verdict = Verdict::skipped;
            result.reasons = {Reason{"quarantined", "quarantine",
                                     "quarantined until " + result.quarantine->until + ": " + result.quarantine->reason +
                                         (result.quarantine->owner.empty() ? "" : " (owner " + result.quarantine->owner + ")"),
                                     {}, Json{{"until", result.quarantine->until}, {"owner", result.quarantine->owner}}}};
        } else {
            run_and_judge(fixture, options, case_dir, repo_root, result);
        }
        if (result.quarantine && result.quarantine->expired) {
            // The fixture was replayed, but a quarantine nobody renewed or lifted is a failure in itself.
            result.reasons.push_back(Reason{"quarantine_expired", "quarantine",
                                            "the quarantine expired on " + result.quarantine->until + " (" +
                                                result.quarantine->reason + "); fix the fixture or renew it in notes.json",
                                            {}, Json{{"until", result.quarantine->until}, {"owner", result.quarantine->owner}}});
            result.verdict = Verdict::failed;
        }
    } catch (const FixtureError& error) {
        result.tier = peek_fixture_tier(fixture_dir);  // best effort for the report of a broken fixture
        result.verdict = Verdict::inconclusive;
        Json detail = {{"file", error.where().file.string()}};
        if (error.where().line > 0) {
            detail["line"] = error.where().line;
            detail["column"] = error.where().column;
        }
        result.reasons = {Reason{"fixture_invalid", "fixture", error.what(), error.where().file.string(), detail}};
    } catch (const std::exception& error) {
        result.verdict = Verdict::inconclusive;
        result.reasons = {Reason{"harness_error", "harness", error.what(), {}, nullptr}};
    }
    result.duration_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    write_fixture_result(options.report_dir, folder, result);
    return result;
}

}  // namespace agent_replay
