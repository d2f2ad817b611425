#include <agent_replay/fixture_result.hpp>

namespace agent_replay {

void to_json(nlohmann::json& out, const FixtureResult& result) {
    out = {{"schema_version", 1},
           {"fixture_id", result.fixture_id},
           {"suite", result.suite},
           {"fixture_dir", result.fixture_dir},
           {"tier", result.tier},
           {"run_id", result.run_id},
           {"mode", result.mode},
           {"verdict", std::string(to_string(result.verdict))},
           {"reasons", result.reasons},
           {"failure_class", result.failure_class},
           {"replay_command", result.replay_command},
           {"replay_flags", result.replay_flags},
           {"started_at", result.started_at},
           {"duration_seconds", result.duration_seconds},
           {"exit", {{"code", result.exit_code}, {"signal", result.signal}}},
           {"artifacts", result.artifacts},
           {"workspace", result.workspace},
           {"report_dir", result.report_dir},
           {"trace", result.trace}};
    if (result.seed) out["seed"] = *result.seed;
    if (!result.cassette_written.empty()) out["cassette_written"] = result.cassette_written;
    if (result.quarantine) {
        out["quarantine"] = {{"reason", result.quarantine->reason},
                             {"owner", result.quarantine->owner},
                             {"until", result.quarantine->until},
                             {"expired", result.quarantine->expired}};
    }
}

void from_json(const nlohmann::json& in, FixtureResult& result) {
    result.fixture_id = in.at("fixture_id").get<std::string>();
    result.suite = in.value("suite", "");
    result.fixture_dir = in.value("fixture_dir", "");
    result.tier = in.value("tier", "");
    result.run_id = in.value("run_id", "");
    result.mode = in.value("mode", "");
    result.verdict = verdict_from_string(in.value("verdict", "")).value_or(Verdict::inconclusive);
    result.reasons = in.value("reasons", std::vector<Reason>{});
    result.failure_class = in.value("failure_class", "");
    result.replay_command = in.value("replay_command", "");
    result.replay_flags = in.value("replay_flags", "");
    result.started_at = in.value("started_at", "");
    result.duration_seconds = in.value("duration_seconds", 0.0);
    if (in.contains("exit")) {
        result.exit_code = in["exit"].value("code", -1);
        result.signal = in["exit"].value("signal", 0);
    }
    result.artifacts = in.value("artifacts", std::vector<std::string>{});
    result.workspace = in.value("workspace", "");
    result.report_dir = in.value("report_dir", "");
    result.trace = in.value("trace", std::vector<TraceEvent>{});
    result.cassette_written = in.value("cassette_written", "");
    if (in.contains("seed") && in["seed"].is_number_unsigned()) result.seed = in["seed"].get<std::uint64_t>();
    if (in.contains("quarantine") && in["quarantine"].is_object()) {
        const auto& quarantine = in["quarantine"];
        result.quarantine = QuarantineStatus{quarantine.value("reason", ""), quarantine.value("owner", ""),
                                             quarantine.value("until", ""), quarantine.value("expired", false)};
    }
}

}  // namespace agent_replay
