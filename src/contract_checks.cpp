#include <agent_replay/contract_checks.hpp>
#include <agent_replay/glob.hpp>
#include <agent_replay/json_schema.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace agent_replay {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxArtifactBytes = 64u << 20;

std::string seconds(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", value);
    return buffer;
}

Reason make_reason(std::string code, std::string check, std::string message, std::string path = {},
                   Json detail = nullptr) {
    return Reason{std::move(code), std::move(check), std::move(message), std::move(path), std::move(detail)};
}

std::string read_prefix(const std::filesystem::path& file, std::size_t limit) {
    std::ifstream in(file, std::ios::binary);
    std::string content(limit, '\0');
    in.read(content.data(), static_cast<std::streamsize>(limit));
    content.resize(static_cast<std::size_t>(in.gcount()));
    return content;
}

bool is_blank(const std::string& text) {
    return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

bool is_empty_json(const Json& value) {
    return value.is_null() || ((value.is_object() || value.is_array() || value.is_string()) && value.empty());
}

// Checks one existing artifact file; stops at the first failure that makes later ones meaningless.
void check_one_artifact(const ArtifactCheck& check, const std::string& relpath, const RunObservation& run,
                        std::vector<Reason>& out) {
    const FileFingerprint& fingerprint = run.after.at(relpath);
    std::error_code ec;
    fs::path real = fs::weakly_canonical(run.workspace / relpath, ec);
    fs::path root = fs::weakly_canonical(run.workspace, ec);
    if (fs::is_symlink(run.workspace / relpath, ec) &&
        (real.lexically_relative(root).empty() || *real.lexically_relative(root).begin() == "..")) {
        out.push_back(make_reason("artifact_content_mismatch", "artifacts",
                                  relpath + " is a symlink leading outside the workspace (" + real.string() + ")", relpath));
        return;
    }
    if (!fs::is_regular_file(run.workspace / relpath, ec)) {
        out.push_back(make_reason("artifact_content_mismatch", "artifacts", relpath + " is not a regular file", relpath));
        return;
    }
    if (check.non_empty && fingerprint.size == 0) {
        out.push_back(make_reason("empty_output", "artifacts", relpath + " is empty (0 bytes)", relpath));
        return;
    }
    if (check.min_bytes && fingerprint.size < *check.min_bytes) {
        out.push_back(make_reason("artifact_content_mismatch", "artifacts",
                                  relpath + " has " + std::to_string(fingerprint.size) + " bytes, fewer than min_bytes " +
                                      std::to_string(*check.min_bytes),
                                  relpath));
    }
    if (check.max_bytes && fingerprint.size > *check.max_bytes) {
        out.push_back(make_reason("artifact_content_mismatch", "artifacts",
                                  relpath + " has " + std::to_string(fingerprint.size) + " bytes, more than max_bytes " +
                                      std::to_string(*check.max_bytes),
                                  relpath));
    }
    bool needs_json = !check.schema.is_null() || !check.json_equals.empty() || !check.json_exists.empty();
    if (!check.non_empty && !needs_json) return;
    std::string content = read_prefix(run.workspace / relpath, kMaxArtifactBytes);
    if (check.non_empty && is_blank(content)) {
        out.push_back(make_reason("empty_output", "artifacts", relpath + " holds only whitespace", relpath));
        return;
    }
    Json parsed = Json::parse(content, nullptr, false);
    bool looks_like_json = !parsed.is_discarded();
    if (check.non_empty && looks_like_json && is_empty_json(parsed) && needs_json) {
        out.push_back(make_reason("empty_output", "artifacts", relpath + " holds an empty JSON value (" + parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + ")",
                                  relpath));
        return;
    }
    if (!needs_json) return;
    if (!looks_like_json) {
        std::string code = check.schema.is_null() ? "artifact_content_mismatch" : "schema_mismatch";
        out.push_back(make_reason(code, "artifacts", relpath + " is not valid JSON", relpath));
        return;
    }
    if (!check.schema.is_null()) {
        auto errors = json_schema_errors(check.schema, parsed);
        if (!errors.empty()) {
            out.push_back(make_reason("schema_mismatch", "artifacts",
                                      relpath + " does not match " + check.schema_file + ": " + errors.front(), relpath,
                                      Json{{"schema", check.schema_file}, {"errors", errors}}));
        }
    }
    for (const auto& [pointer, expected] : check.json_equals) {
        Json::json_pointer where(pointer);
        if (!parsed.contains(where) || parsed.at(where) != expected) {
            Json actual = parsed.contains(where) ? parsed.at(where) : Json();
            out.push_back(make_reason("artifact_content_mismatch", "artifacts",
                                      relpath + " at " + pointer + ": expected " + expected.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + ", found " +
                                          (parsed.contains(where) ? actual.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : "nothing"),
                                      relpath, Json{{"pointer", pointer}, {"expected", expected}, {"actual", actual}}));
        }
    }
    for (const auto& pointer : check.json_exists) {
        if (!parsed.contains(Json::json_pointer(pointer))) {
            out.push_back(make_reason("artifact_content_mismatch", "artifacts", relpath + " has nothing at " + pointer,
                                      relpath, Json{{"pointer", pointer}}));
        }
    }
}

std::vector<std::string> files_matching(const std::string& pattern, const WorkspaceSnapshot& after) {
    std::vector<std::string> out;
    for (const auto& [path, fingerprint] : after) {
        if (glob_matches(pattern, path)) out.push_back(path);
    }
    return out;
}

}  // namespace

std::vector<Reason> check_exit(const Contract& contract, const RunObservation& run) {
    if (run.process.signal != 0) {
        return {make_reason("crashed", "exit", "the agent was killed by signal " + std::to_string(run.process.signal), {},
                            Json{{"signal", run.process.signal}})};
    }
    if (run.process.exit_code != contract.exit_code) {
        return {make_reason("nonzero_exit", "exit",
                            "the agent exited with code " + std::to_string(run.process.exit_code) + ", expected " +
                                std::to_string(contract.exit_code),
                            {}, Json{{"exit_code", run.process.exit_code}, {"expected", contract.exit_code}})};
    }
    return {};
}

std::vector<Reason> check_artifacts(const Contract& contract, const RunObservation& run) {
    std::vector<Reason> out;
    for (const auto& check : contract.artifacts) {
        auto matches = files_matching(check.path, run.after);
        if (matches.empty()) {
            out.push_back(make_reason("missing_artifact_ref", "artifacts",
                                      "no file in the workspace matches '" + check.path + "'", check.path));
            continue;
        }
        for (const auto& relpath : matches) check_one_artifact(check, relpath, run, out);
    }
    return out;
}

std::vector<Reason> check_mutations(const Contract& contract, const RunObservation& run) {
    if (!contract.mutations) return {};
    const MutationRules& rules = *contract.mutations;
    Json violations = Json::array();
    auto judge = [&](const std::vector<std::string>& paths, const char* change) {
        for (const auto& path : paths) {
            if (any_glob_matches(rules.forbidden, path)) {
                violations.push_back({{"path", path}, {"change", change}, {"rule", "forbidden"}});
            } else if (rules.allowed && !any_glob_matches(*rules.allowed, path)) {
                violations.push_back({{"path", path}, {"change", change}, {"rule", "not allowed"}});
            }
        }
    };
    judge(run.changes.created, "created");
    judge(run.changes.modified, "modified");
    judge(run.changes.deleted, "deleted");
    if (violations.empty()) return {};
    std::string message;
    for (const auto& violation : violations) {
        message += (message.empty() ? "" : "; ") + violation["path"].get<std::string>() + " " +
                   violation["change"].get<std::string>() + " (" + violation["rule"].get<std::string>() + ")";
    }
    return {make_reason("forbidden_mutation", "mutations", message, violations[0]["path"], Json{{"changes", violations}})};
}

std::vector<Reason> check_tools(const Contract& contract, const RunObservation& run) {
    if (!contract.tools) return {};
    const ToolRules& rules = *contract.tools;
    std::map<std::string, std::int64_t> calls;
    for (const auto& event : run.trace) {
        if (!event.tool.empty()) ++calls[event.tool];
    }
    std::vector<Reason> out;
    for (const auto& [tool, count] : calls) {
        bool forbidden = std::find(rules.forbid.begin(), rules.forbid.end(), tool) != rules.forbid.end();
        bool outside = rules.allow && std::find(rules.allow->begin(), rules.allow->end(), tool) == rules.allow->end();
        if (forbidden || outside) {
            out.push_back(make_reason("forbidden_tool", "tools",
                                      "the agent called '" + tool + "' " + std::to_string(count) + " time(s), which is " +
                                          (forbidden ? "forbidden" : "not in tools.allow"),
                                      {}, Json{{"tool", tool}, {"calls", count}}));
        }
        auto limit = rules.max_calls.find(tool);
        if (limit != rules.max_calls.end() && count > limit->second) {
            out.push_back(make_reason("tool_budget_exceeded", "tools",
                                      "'" + tool + "' was called " + std::to_string(count) + " times, max_calls is " +
                                          std::to_string(limit->second),
                                      {}, Json{{"tool", tool}, {"calls", count}, {"max_calls", limit->second}}));
        }
    }
    return out;
}

std::vector<Reason> check_budget(const Contract& contract, const RunObservation& run) {
    if (run.process.timed_out) {
        return {make_reason("timeout", "budget",
                            "the agent did not finish within its " + seconds(run.timeout_seconds) +
                                " s limit and was killed with its process group (after " +
                                seconds(run.process.wall_seconds) + " s)",
                            {}, Json{{"wall_seconds", run.process.wall_seconds}})};
    }
    if (contract.max_wall_seconds && run.process.wall_seconds > *contract.max_wall_seconds) {
        return {make_reason("timeout", "budget",
                            "the run took " + seconds(run.process.wall_seconds) + " s, budget is " +
                                seconds(*contract.max_wall_seconds) + " s",
                            {}, Json{{"wall_seconds", run.process.wall_seconds}})};
    }
    return {};
}

std::vector<Reason> check_network(const RunObservation& run) {
    Json requests = Json::array();
    for (const auto& event : run.trace) {
        if (event.interaction_id) continue;
        requests.push_back({{"method", event.method}, {"path", event.path}, {"query", event.query},
                            {"closest", event.miss.value("closest", Json())},
                            {"differences", event.miss.value("differences", Json::array())}});
    }
    if (requests.empty()) return {};
    const Json& first = requests[0];
    std::string message = std::to_string(requests.size()) + " request(s) not in the cassettes; first: " +
                          first["method"].get<std::string>() + " " + first["path"].get<std::string>();
    if (first["closest"].is_string()) message += " (closest recorded: " + first["closest"].get<std::string>() + ")";
    return {make_reason("unrecorded_request", "network", message, first["path"], Json{{"requests", requests}})};
}

std::vector<Reason> evaluate_contract(const Contract& contract, const RunObservation& run) {
    std::vector<Reason> reasons;
    auto add = [&](std::vector<Reason> more) { reasons.insert(reasons.end(), more.begin(), more.end()); };
    bool finished = !run.process.timed_out && !run.process.aborted;
    if (finished) add(check_exit(contract, run));
    if (finished) add(check_artifacts(contract, run));
    if (finished) add(check_mutations(contract, run));
    if (finished) add(check_tools(contract, run));
    add(check_budget(contract, run));
    add(check_network(run));
    return reasons;
}

Verdict decide_verdict(const Contract& contract, std::vector<Reason>& reasons) {
    Verdict reached = reasons.empty() ? Verdict::passed : Verdict::failed;
    if (contract.status == Verdict::blocked && reached == Verdict::passed) {
        reasons.push_back(make_reason("unexpected_status", "status",
                                      "the contract expects the agent to stop and escalate (blocked), but it passed"));
        return Verdict::failed;
    }
    return reached;
}

std::vector<std::string> artifact_paths(const Contract& contract, const WorkspaceSnapshot& after) {
    std::vector<std::string> out;
    for (const auto& check : contract.artifacts) {
        for (auto& path : files_matching(check.path, after)) out.push_back(std::move(path));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace agent_replay
