// agent-replay: a thin command line over the agent_replay library.
#include <agent_replay/batch.hpp>
#include <agent_replay/cassette_lint.hpp>
#include <agent_replay/cassette_proxy.hpp>
#include <agent_replay/har.hpp>
#include <agent_replay/reason_codes.hpp>
#include <agent_replay/replay.hpp>
#include <agent_replay/report.hpp>
#include <agent_replay/serve_session.hpp>
#include <agent_replay/suite.hpp>
#include <agent_replay/suite_reports.hpp>

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <algorithm>
#include <fstream>
#include <set>
#include <iostream>

namespace fs = std::filesystem;
using namespace agent_replay;

namespace {

constexpr int kExitPassed = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

std::atomic<bool> g_interrupted{false};

// The first Ctrl-C stops the agents and writes the reports; a second one (or
// SIGTERM while that is stuck) ends the process at once.
void on_interrupt(int signal_number) {
    if (g_interrupted.exchange(true)) {
        std::signal(signal_number, SIG_DFL);
        std::raise(signal_number);
    }
}

struct RunArguments {
    std::string fixture;
    std::string fixtures;
    std::string mode = "cassette";
    std::string report_dir = "agent-replay-report";
    std::string suite_name;
    std::vector<std::string> set_env;
    std::size_t jobs = 0;  // 0: one per core
    int shard_index = -1;
    int shard_total = 0;
    std::string rerun_from;
    std::string diff_from;
    std::optional<std::uint64_t> seed;
};

void print_result(const FixtureResult& result, std::size_t index, std::size_t total) {
    std::printf("[%zu/%zu] %-12s fixture_%s (%.2fs)%s%s\n", index, total, std::string(to_string(result.verdict)).c_str(),
                result.fixture_id.c_str(), result.duration_seconds, result.reasons.empty() ? "" : " ",
                reason_codes_of(result.reasons).c_str());
    if (is_failure(result.verdict)) {
        for (const auto& reason : result.reasons) std::printf("    %s: %s\n", reason.code.c_str(), reason.message.c_str());
        std::printf("    replay: %s\n", result.replay_command.c_str());
        if (!result.workspace.empty()) std::printf("    workspace kept: %s\n", result.workspace.c_str());
    }
    std::fflush(stdout);
}

int run_command(const RunArguments& args) {
    auto mode = proxy_mode_from_string(args.mode);
    if (!mode) {
        std::fprintf(stderr, "agent-replay: --mode must be cassette, strict or live, not '%s'\n", args.mode.c_str());
        return kExitUsage;
    }
    ReplayOptions options;
    options.mode = *mode;
    options.report_dir = args.report_dir;
    options.interrupt = &g_interrupted;
    options.seed = args.seed;
    for (const auto& assignment : args.set_env) {
        auto equals = assignment.find('=');
        if (equals == std::string::npos || equals == 0) {
            std::fprintf(stderr, "agent-replay run: --set-env needs KEY=VALUE, got '%s'\n", assignment.c_str());
            return kExitUsage;
        }
        options.extra_env[assignment.substr(0, equals)] = assignment.substr(equals + 1);
    }

    std::vector<fs::path> dirs;
    if (!args.fixture.empty()) {
        dirs.push_back(args.fixture);
        options.suite_name = args.suite_name;
    } else {
        try {
            dirs = list_fixture_dirs(args.fixtures);
        } catch (const std::exception& error) {
            std::fprintf(stderr, "agent-replay run: %s\n", error.what());
            return kExitUsage;
        }
        if (dirs.empty()) {
            std::fprintf(stderr, "agent-replay run: no fixture directories in %s\n", args.fixtures.c_str());
            return kExitUsage;
        }
        fs::path suite = fs::path(args.fixtures).lexically_normal();
        if (suite.filename().empty()) suite = suite.parent_path();
        options.suite_name = args.suite_name.empty() ? fs::absolute(suite).filename().string() : args.suite_name;
    }
    if (!args.diff_from.empty() && !read_baseline(args.diff_from)) return kExitUsage;  // before anything runs
    if (!args.rerun_from.empty()) {
        try {
            dirs = only_fixtures(dirs, failed_fixture_ids(args.rerun_from));
        } catch (const std::exception& error) {
            std::fprintf(stderr, "agent-replay run --rerun-from: %s\n", error.what());
            return kExitUsage;
        }
        std::printf("rerunning %zu fixture(s) that failed in %s\n", dirs.size(), args.rerun_from.c_str());
    }
    if (args.shard_total > 0) {
        if (args.shard_index < 0 || args.shard_index >= args.shard_total) {
            std::fprintf(stderr, "agent-replay run: --shard-index must be in [0, %d)\n", args.shard_total);
            return kExitUsage;
        }
        dirs = shard_of(dirs, args.shard_index, args.shard_total);
        std::printf("shard %d of %d: %zu fixture(s)\n", args.shard_index, args.shard_total, dirs.size());
    }
    reset_report(options.report_dir);

    bool on_terminal = isatty(STDOUT_FILENO);
    if (on_terminal && dirs.size() > 1) {
        std::printf("replaying %zu fixtures ...\r", dirs.size());
        std::fflush(stdout);
    }
    std::vector<FixtureResult> results =
        replay_batch(dirs, options, args.jobs, [&](const FixtureResult& result, std::size_t done) {
            if (on_terminal) std::printf("\33[2K");
            print_result(result, done, dirs.size());
        });

    ReportEnvironment environment = environment_of(results, options.suite_name, options.report_dir);
    if (args.shard_total > 0) {
        environment.shard_index = args.shard_index;
        environment.shard_total = args.shard_total;
    }
    fs::path junit = write_suite_reports(options.report_dir, results, environment);

    std::size_t failed = 0, invalid = 0, other = 0;
    for (const auto& result : results) {
        failed += result.verdict == Verdict::failed;
        invalid += result.verdict == Verdict::inconclusive;
        other += result.verdict != Verdict::passed && result.verdict != Verdict::failed && result.verdict != Verdict::inconclusive;
    }
    std::printf("%zu passed, %zu failed, %zu inconclusive, %zu blocked/degraded/skipped; report: %s (and report.html, "
                "summary.json)\n",
                results.size() - failed - invalid - other, failed, invalid, other, fs::absolute(junit).string().c_str());
    if (g_interrupted) {
        std::fprintf(stderr, "agent-replay: interrupted; %zu of %zu fixtures replayed\n", results.size(), dirs.size());
        return kExitFailed;
    }
    if (!args.diff_from.empty()) {
        auto triage = write_triage(args.diff_from, results, environment, options.report_dir);
        if (!triage) return kExitUsage;
        return (*triage)["status"] == "regression" ? kExitFailed : kExitPassed;
    }
    if (failed > 0) return kExitFailed;
    if (invalid > 0) return kExitUsage;
    return kExitPassed;
}

struct ServeArguments {
    std::string fixture;
    std::string mode = "cassette";
    int port = 0;
    std::string workspace = "agent-replay-serve-workspace";
};

int serve_command(const ServeArguments& args) {
    ServeSession session(args.fixture, *proxy_mode_from_string(args.mode), args.port, args.workspace);
    std::printf("agent-replay: serving %s (%s mode) at %s\n", args.fixture.c_str(), args.mode.c_str(),
                session.url().c_str());
    std::printf("workspace (state materialised): %s\n", session.workspace().string().c_str());
    std::printf("Run your agent with:\n");
    for (const auto& line : session.export_lines()) std::printf("  %s\n", line.c_str());
    std::printf("Press Ctrl-C to stop and see the trace.\n");
    std::fflush(stdout);
    while (!g_interrupted) usleep(50 * 1000);
    Json findings = session.finish();
    std::printf("\n%zu request(s)%s:\n", findings["trace"].size(),
                findings["requests_not_kept"] > 0
                    ? (" (and " + findings["requests_not_kept"].dump() + " recorded ones past the trace limit)").c_str()
                    : "");
    for (const auto& event : findings["trace"]) {
        std::printf("  %s %s -> %d %s%s\n", event["method"].get<std::string>().c_str(),
                    event["path"].get<std::string>().c_str(), event["status"].get<int>(),
                    event["interaction_id"].is_string() ? event["interaction_id"].get<std::string>().c_str() : "UNRECORDED",
                    event.contains("fault") ? (" (fault: " + event["fault"].get<std::string>() + ")").c_str() : "");
    }
    std::printf("unrecorded requests: %zu\n", findings["unrecorded"].size());
    for (const auto& request : findings["unrecorded"]) std::printf("  %s\n", request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    std::printf("unused interactions: %s\n", findings["unused_interactions"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    if (findings.contains("cassette_written")) {
        std::printf("cassette written: %s\n", findings["cassette_written"].get<std::string>().c_str());
    } else if (args.mode == "record" || args.mode == "live") {
        std::printf("nothing was recorded; tool_cassettes.json left as it was\n");
    }
    return findings["unrecorded"].empty() ? kExitPassed : kExitFailed;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"agent-replay: replay AI-agent failure fixtures against recorded HTTP cassettes.\n"
                 "Exit codes: 0 all passed, 1 some fixture failed, 2 usage error or invalid fixture."};
    app.set_version_flag("--version", "agent-replay 0.1.0");
    app.require_subcommand(1);

    RunArguments run_args;
    CLI::App* run = app.add_subcommand(
        "run", "Replay one fixture or a whole suite; writes junit.xml, report.html, summary.json, replay_bundle.json, "
               "digests/ and per-fixture verdicts");
    auto* fixture = run->add_option("--fixture", run_args.fixture, "One fixture directory (fixtures/<suite>/<id>)");
    auto* fixtures = run->add_option("--fixtures", run_args.fixtures, "A suite directory: replays every fixture in it");
    fixture->excludes(fixtures);
    run->add_option("--mode", run_args.mode,
                    "Proxy mode: cassette (default), strict, or live (GET/HEAD and refreshable interactions go to "
                    "the routes' upstreams and refresh tool_cassettes.json)")
        ->check(CLI::IsMember({"cassette", "strict", "live"}));
    run->add_option("--report-dir", run_args.report_dir, "Where the reports go (emptied first)")
        ->capture_default_str();
    run->add_option("--suite-name", run_args.suite_name, "Suite name in the reports (default: the suite directory name)");
    run->add_option("--set-env", run_args.set_env, "KEY=VALUE added to the agent's environment (repeatable)");
    run->add_option("--seed", run_args.seed,
                    "Mixed into every fault seed: another reproducible fault sequence (default: the cassettes' seeds)");
    run->add_option("--jobs,-j", run_args.jobs, "Fixtures replayed at once (default: one per core); reports keep suite order")
        ->check(CLI::Range(0, 1024));
    auto* shard_index = run->add_option("--shard-index", run_args.shard_index,
                                        "This machine's shard, 0-based: every --shard-total-th fixture from here");
    auto* shard_total = run->add_option("--shard-total", run_args.shard_total, "Number of shards the suite is split into")
                            ->check(CLI::Range(1, 100000));
    shard_index->needs(shard_total);
    shard_total->needs(shard_index);
    run->add_option("--rerun-from", run_args.rerun_from,
                    "A summary.json: replay only the fixtures that failed there")
        ->check(CLI::ExistingFile);
    run->add_option("--diff-from", run_args.diff_from,
                    "A baseline summary.json: write triage_diff.json; exit 1 only on a regression")
        ->check(CLI::ExistingFile);
    run->callback([&] {
        if (run_args.fixture.empty() && run_args.fixtures.empty()) {
            throw CLI::RequiredError("one of --fixture or --fixtures");
        }
    });

    RunArguments record_args;
    record_args.mode = "record";
    CLI::App* record = app.add_subcommand(
        "record", "Run the agent with every request forwarded to the routes' upstreams and write tool_cassettes.json");
    record->add_option("--fixture", record_args.fixture, "The fixture directory (its routes need \"upstream\")")
        ->required();
    record->add_option("--report-dir", record_args.report_dir, "Where the verdict and logs go")->capture_default_str();
    record->add_option("--set-env", record_args.set_env, "KEY=VALUE added to the agent's environment (repeatable)");

    std::string cassette_fixture, har_file;
    CLI::App* cassette = app.add_subcommand("cassette", "Convert cassettes to and from HAR 1.2");
    cassette->require_subcommand(1);
    CLI::App* har_export = cassette->add_subcommand("export", "Write a fixture's tool_cassettes.json as a HAR 1.2 file");
    har_export->add_option("--fixture", cassette_fixture, "The fixture directory")->required();
    har_export->add_option("--har", har_file, "The HAR file to write")->required();
    CLI::App* har_import = cassette->add_subcommand(
        "import", "Write <fixture>/tool_cassettes.json from a HAR 1.2 file (browser, mitmproxy, Polly.JS)");
    har_import->add_option("--har", har_file, "The HAR file to read")->required();
    har_import->add_option("--fixture", cassette_fixture,
                           "The fixture directory; its input.json routes name the tools")
        ->required();

    std::string lint_report_dir = "agent-replay-report";
    CLI::App* lint = cassette->add_subcommand(
        "lint", "Find unreachable or duplicate interactions, unredacted secrets, and interactions the last replay never used");
    lint->add_option("--fixture", cassette_fixture, "The fixture directory")->required();
    lint->add_option("--report-dir", lint_report_dir, "Report directory of the last replay (for unused interactions)")
        ->capture_default_str();

    std::string merge_dir = "agent-replay-report";
    std::string merge_suite;  // "" = the suite the verdicts name
    CLI::App* report = app.add_subcommand("report", "Work with report directories");
    report->require_subcommand(1);
    CLI::App* merge = report->add_subcommand("merge", "Build junit.xml from the verdict.json files in a report directory");
    merge->add_option("--report-dir", merge_dir, "The report directory")->capture_default_str();
    merge->add_option("--suite-name", merge_suite, "Suite name in the reports (default: the one the verdicts name)");
    std::vector<std::string> merge_from;
    std::string merge_diff_from;
    merge->add_option("--from", merge_from,
                      "Another report directory (e.g. one per shard) whose fixtures are copied in first (repeatable)")
        ->check(CLI::ExistingDirectory);
    merge->add_option("--diff-from", merge_diff_from, "A baseline summary.json: also write triage_diff.json")
        ->check(CLI::ExistingFile);

    ServeArguments serve_args;
    CLI::App* serve = app.add_subcommand(
        "serve", "Run one fixture's cassette proxy alone and print the environment to point an agent at it");
    serve->add_option("--fixture", serve_args.fixture, "The fixture directory")->required();
    serve->add_option("--port", serve_args.port, "Port on 127.0.0.1 (default: an ephemeral one)")
        ->check(CLI::Range(0, 65535));
    serve->add_option("--mode", serve_args.mode,
                      "Proxy mode: cassette, strict, live (reads go upstream) or record (everything goes upstream; "
                      "tool_cassettes.json is written on Ctrl-C)")
        ->check(CLI::IsMember({"cassette", "strict", "live", "record"}))
        ->capture_default_str();
    serve->add_option("--workspace", serve_args.workspace, "Where the fixture state is materialised")
        ->capture_default_str();

    CLI::App* reasons = app.add_subcommand("reasons", "Print the reason-code catalogue (the runbook table in README.md)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = app.exit(error);
        return code == 0 ? kExitPassed : kExitUsage;
    }

    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    try {
        if (*run) return run_command(run_args);
        if (*record) {
            int status = run_command(record_args);
            std::vector<FixtureResult> results = read_fixture_results(record_args.report_dir);
            if (!results.empty() && !results.front().cassette_written.empty()) {
                std::printf("cassette written: %s (the previous one is tool_cassettes.json.bak)\n",
                            results.front().cassette_written.c_str());
            } else {
                std::printf("nothing was recorded; %s left as it was\n",
                            (fs::path(record_args.fixture) / "tool_cassettes.json").string().c_str());
            }
            return status;
        }
        if (*serve) return serve_command(serve_args);
        if (*har_export) {
            Cassette cassette = parse_cassette(JsonDocument::load(fs::path(cassette_fixture) / "tool_cassettes.json"));
            write_file_atomically(har_file, cassette_to_har(cassette).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
            std::printf("wrote %zu entries to %s\n", cassette.interactions.size(), har_file.c_str());
            return kExitPassed;
        }
        if (*har_import) {
            std::vector<Route> routes;
            try {
                routes = load_fixture(cassette_fixture, find_repo_root(cassette_fixture), true).input.routes;
            } catch (const FixtureError& error) {
                std::fprintf(stderr, "note: no routes from the fixture (%s); tools are named \"http\"\n", error.what());
            }
            Cassette cassette = cassette_from_har(JsonDocument::load(har_file), routes);
            fs::path out = fs::path(cassette_fixture) / "tool_cassettes.json";
            if (fs::exists(out)) {  // HAR has no matching rules: keep the fixture's own
                try {
                    cassette.match = parse_cassette(JsonDocument::load(out)).match;
                } catch (const FixtureError&) {
                }
            }
            write_file_atomically(out, cassette_to_json(cassette).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
            std::printf("wrote %zu interactions to %s\n", cassette.interactions.size(), out.string().c_str());
            return kExitPassed;
        }
        if (*lint) {
            fs::path dir = fs::absolute(cassette_fixture).lexically_normal();
            if (dir.filename().empty()) dir = dir.parent_path();
            Fixture fixture = load_fixture(dir, find_repo_root(dir));
            std::optional<std::vector<TraceEvent>> last_trace;
            for (const auto& result : read_fixture_results(lint_report_dir)) {
                if (result.fixture_id == fixture.id) last_trace = result.trace;
            }
            auto findings = lint_cassette(fixture.cassette, last_trace);
            std::size_t errors = 0;
            for (const auto& finding : findings) {
                errors += finding.is_error;
                std::printf("%s: %s %s: %s\n", finding.is_error ? "error" : "warning", finding.kind.c_str(),
                            finding.interaction_id.c_str(), finding.message.c_str());
            }
            if (!last_trace) std::printf("note: no replay of %s in %s, so unused interactions are not listed\n",
                                         fixture.id.c_str(), lint_report_dir.c_str());
            std::printf("%zu error(s), %zu warning(s)\n", errors, findings.size() - errors);
            return errors > 0 ? kExitFailed : kExitPassed;
        }
        if (*reasons) {
            std::fputs(reason_catalogue_markdown().c_str(), stdout);
            return kExitPassed;
        }
        if (*merge) {
            std::error_code ec;
            bool merging_into_a_source = std::any_of(merge_from.begin(), merge_from.end(), [&](const std::string& from) {
                return fs::equivalent(from, merge_dir, ec);
            });
            // Shards merge into a report of their own: nothing of an earlier merge stays behind.
            if (!merge_from.empty() && !merging_into_a_source) reset_report(merge_dir);
            std::set<std::string> copied;
            for (const auto& from : merge_from) {
                for (const auto& id : import_fixture_reports(from, merge_dir)) {
                    if (!copied.insert(id).second) {
                        std::fprintf(stderr, "agent-replay report merge: fixture %s is in more than one --from directory\n",
                                     id.c_str());
                        return kExitUsage;
                    }
                }
            }
            if (!fs::is_directory(fs::path(merge_dir) / "fixtures")) {
                std::fprintf(stderr, "agent-replay report merge: no verdicts under %s/fixtures\n", merge_dir.c_str());
                return kExitUsage;
            }
            fs::path file = merge_report(merge_dir, merge_suite);
            std::printf("report: %s (and report.html, summary.json)\n", fs::absolute(file).string().c_str());
            if (!merge_diff_from.empty()) {
                std::vector<FixtureResult> results = read_fixture_results(merge_dir);
                auto triage = write_triage(merge_diff_from, results, environment_of(results, merge_suite, merge_dir), merge_dir);
                if (!triage) return kExitUsage;
                return (*triage)["status"] == "regression" ? kExitFailed : kExitPassed;
            }
            return kExitPassed;
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "agent-replay: %s\n", error.what());
        return kExitUsage;
    }
    return kExitUsage;
}
