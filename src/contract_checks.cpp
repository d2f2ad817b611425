#include <agent_replay/contract_checks.hpp>
#include <agent_replay/glob.hpp>
#include <agent_replay/json_schema.hpp>

#include <dtl/dtl.hpp>
#include <re2/re2.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
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
                   Json detail = nullptr, Severity severity = Severity::error) {
    return Reason{std::move(code), std::move(check), std::move(message), std::move(path), std::move(detail), severity};
}

std::string dump(const Json& value) { return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// A workspace-relative path that names a file inside it (no absolute path, no "..").
bool is_plain_relative(const std::string& path) {
    if (path.empty() || path[0] == '/') return false;
    for (const auto& part : fs::path(path)) {
        if (part == "..") return false;
    }
    return true;
}

// A regular file in the workspace, reached without leaving it: an agent must not
// make the judge read a FIFO (it would block) or a file outside (/etc/passwd).
bool is_regular_file_inside(const fs::path& workspace, const std::string& relpath) {
    std::error_code ec;
    fs::path file = workspace / relpath;
    if (!fs::is_symlink(file, ec)) return fs::is_regular_file(fs::symlink_status(file, ec));
    fs::path real = fs::weakly_canonical(file, ec);
    fs::path inside = real.lexically_relative(fs::weakly_canonical(workspace, ec));
    return !ec && !inside.empty() && *inside.begin() != ".." && fs::is_regular_file(real, ec);
}

std::vector<std::string> read_lines(const fs::path& file) {
    std::vector<std::string> lines;
    std::ifstream in(file, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

// Added and removed lines between two versions of a file (either may be absent).
std::pair<std::int64_t, std::int64_t> line_changes(const fs::path& before, const fs::path& after) {
    std::error_code ec;
    std::vector<std::string> old_lines = fs::is_regular_file(before, ec) ? read_lines(before) : std::vector<std::string>{};
    std::vector<std::string> new_lines = fs::is_regular_file(after, ec) ? read_lines(after) : std::vector<std::string>{};
    dtl::Diff<std::string> diff(old_lines, new_lines);
    diff.compose();
    std::int64_t added = 0, removed = 0;
    for (const auto& [line, info] : diff.getSes().getSequence()) {
        if (info.type == dtl::SES_ADD) ++added;
        else if (info.type == dtl::SES_DELETE) ++removed;
    }
    return {added, removed};
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
    // A symlink's own size is its target's name; judge the file it leads to.
    std::uint64_t size = fs::is_symlink(run.workspace / relpath, ec) ? fs::file_size(run.workspace / relpath, ec)
                                                                       : fingerprint.size;
    if (check.non_empty && size == 0) {
        out.push_back(make_reason("empty_output", "artifacts", relpath + " is empty (0 bytes)", relpath));
        return;
    }
    if (check.min_bytes && size < *check.min_bytes) {
        out.push_back(make_reason("artifact_content_mismatch", "artifacts",
                                  relpath + " has " + std::to_string(size) + " bytes, fewer than min_bytes " +
                                      std::to_string(*check.min_bytes),
                                  relpath));
    }
    if (check.max_bytes && size > *check.max_bytes) {
        out.push_back(make_reason("artifact_content_mismatch", "artifacts",
                                  relpath + " has " + std::to_string(size) + " bytes, more than max_bytes " +
                                      std::to_string(*check.max_bytes),
                                  relpath));
    }
    bool needs_json = !check.schema.is_null() || !check.json_equals.empty() || !check.json_exists.empty();
    bool needs_text = !check.contains.empty() || !check.not_contains.empty() || !check.regex.empty();
    if (!check.non_empty && !needs_json && !needs_text) return;
    std::string content = read_prefix(run.workspace / relpath, kMaxArtifactBytes);
    for (const auto& text : check.contains) {
        if (content.find(text) == std::string::npos) {
            out.push_back(make_reason("artifact_content_mismatch", "artifacts",
                                      relpath + " does not contain " + dump(Json(text)), relpath,
                                      Json{{"contains", text}}, check.severity));
        }
    }
    for (const auto& text : check.not_contains) {
        if (content.find(text) != std::string::npos) {
            out.push_back(make_reason("artifact_content_mismatch", "artifacts",
                                      relpath + " contains " + dump(Json(text)) + ", which it must not", relpath,
                                      Json{{"not_contains", text}}, check.severity));
        }
    }
    for (const auto& pattern : check.regex) {
        RE2 compiled(pattern, RE2::Quiet);
        if (!RE2::PartialMatch(content, compiled)) {
            out.push_back(make_reason("artifact_content_mismatch", "artifacts",
                                      relpath + " has no match for the pattern " + dump(Json(pattern)), relpath,
                                      Json{{"regex", pattern}}, check.severity));
        }
    }
    if (!check.non_empty && !needs_json) return;
    if (check.non_empty && is_blank(content)) {
        out.push_back(make_reason("empty_output", "artifacts", relpath + " holds only whitespace", relpath));
        return;
    }
    Json parsed = parse_untrusted_json(content);
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
        const Json* found = find_at_pointer(parsed, pointer);
        if (!found || *found != expected) {
            Json actual = found ? *found : Json();
            out.push_back(make_reason("artifact_content_mismatch", "artifacts",
                                      relpath + " at " + pointer + ": expected " + expected.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + ", found " +
                                          (found ? actual.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : "nothing"),
                                      relpath, Json{{"pointer", pointer}, {"expected", expected}, {"actual", actual}}));
        }
    }
    for (const auto& pointer : check.json_exists) {
        if (!find_at_pointer(parsed, pointer)) {
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
                            Json{{"signal", run.process.signal}}, contract.exit_severity)};
    }
    if (run.process.exit_code != contract.exit_code) {
        return {make_reason("nonzero_exit", "exit",
                            "the agent exited with code " + std::to_string(run.process.exit_code) + ", expected " +
                                std::to_string(contract.exit_code),
                            {}, Json{{"exit_code", run.process.exit_code}, {"expected", contract.exit_code}},
                            contract.exit_severity)};
    }
    return {};
}

std::vector<Reason> check_artifacts(const Contract& contract, const RunObservation& run) {
    std::vector<Reason> out;
    for (const auto& check : contract.artifacts) {
        std::size_t first = out.size();
        auto matches = files_matching(check.path, run.after);
        if (matches.empty()) {
            out.push_back(make_reason("missing_artifact_ref", "artifacts",
                                      "no file in the workspace matches '" + check.path + "'", check.path));
        }
        for (const auto& relpath : matches) check_one_artifact(check, relpath, run, out);
        for (std::size_t i = first; i < out.size(); ++i) out[i].severity = check.severity;
    }
    return out;
}

std::vector<Reason> check_evidence(const Contract& contract, const RunObservation& run) {
    if (!contract.evidence) return {};
    const EvidenceRule& rule = *contract.evidence;
    auto fail = [&](const std::string& message, Json detail) {
        return std::vector<Reason>{make_reason("missing_evidence_path", "evidence", message, rule.artifact,
                                               std::move(detail), rule.severity)};
    };
    if (!run.after.count(rule.artifact)) {
        return fail(rule.artifact + " was not written, so it cites no evidence", Json{{"artifact", rule.artifact}});
    }
    if (!is_regular_file_inside(run.workspace, rule.artifact)) {
        return fail(rule.artifact + " is not a regular file inside the workspace", Json{{"artifact", rule.artifact}});
    }
    Json document = parse_untrusted_json(read_prefix(run.workspace / rule.artifact, kMaxArtifactBytes));
    const Json* list = document.is_discarded() ? nullptr : find_at_pointer(document, rule.pointer);
    if (!list || !list->is_array()) {
        return fail(rule.artifact + " has no list of evidence at " + rule.pointer,
                    Json{{"artifact", rule.artifact}, {"pointer", rule.pointer}});
    }
    Json missing = Json::array();
    std::set<std::string> distinct;  // the same file cited twice is one piece of evidence
    for (const Json& entry : *list) {
        const Json* path = entry.is_string() ? &entry : (entry.is_object() && entry.contains("path") ? &entry["path"] : nullptr);
        if (!path || !path->is_string()) {
            missing.push_back({{"entry", entry}, {"problem", "not a path (a string, or an object with \"path\")"}});
            continue;
        }
        std::string relpath = fs::path(path->get<std::string>()).lexically_normal().generic_string();
        if (!is_plain_relative(relpath)) {
            missing.push_back({{"path", *path}, {"problem", "not a path inside the workspace"}});
        } else if (!run.after.count(relpath)) {
            missing.push_back({{"path", *path}, {"problem", "no such file in the workspace"}});
        } else if (!is_regular_file_inside(run.workspace, relpath)) {
            missing.push_back({{"path", *path}, {"problem", "not a regular file inside the workspace"}});
        } else {
            distinct.insert(relpath);
        }
    }
    std::size_t cited = distinct.size();
    Json detail = {{"artifact", rule.artifact}, {"pointer", rule.pointer}, {"cited", cited},
                   {"min_count", rule.min_count}, {"missing", missing}};
    if (!missing.empty()) {
        const Json& first = missing[0];
        return fail(rule.artifact + " cites evidence that does not exist: " +
                        (first.contains("path") ? dump(first["path"]) : dump(first["entry"])) + " (" +
                        first["problem"].get<std::string>() + ")",
                    detail);
    }
    if (cited < rule.min_count) {
        return fail(rule.artifact + " cites " + std::to_string(cited) + " distinct evidence path(s) at " + rule.pointer +
                        ", fewer than min_count " + std::to_string(rule.min_count),
                    detail);
    }
    return {};
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
    return {make_reason("forbidden_mutation", "mutations", message, violations[0]["path"], Json{{"changes", violations}},
                        rules.severity)};
}

std::vector<Reason> check_diffs(const Contract& contract, const RunObservation& run) {
    std::vector<Reason> out;
    std::vector<std::string> changed = run.changes.created;
    changed.insert(changed.end(), run.changes.modified.begin(), run.changes.modified.end());
    changed.insert(changed.end(), run.changes.deleted.begin(), run.changes.deleted.end());
    std::sort(changed.begin(), changed.end());
    for (const auto& bound : contract.diffs) {
        std::vector<std::string> files;
        for (const auto& path : changed) {
            if (glob_matches(bound.path, path)) files.push_back(path);
        }
        if (bound.max_changed_files && static_cast<std::int64_t>(files.size()) > *bound.max_changed_files) {
            out.push_back(make_reason("diff_out_of_bounds", "diffs",
                                      std::to_string(files.size()) + " files matching '" + bound.path +
                                          "' changed, max_changed_files is " + std::to_string(*bound.max_changed_files),
                                      bound.path, Json{{"files", files}, {"max_changed_files", *bound.max_changed_files}},
                                      bound.severity));
        }
        if (!bound.max_added_lines && !bound.max_removed_lines) continue;
        for (const auto& path : files) {
            auto [added, removed] = line_changes(run.baseline / path, run.workspace / path);
            bool too_many_added = bound.max_added_lines && added > *bound.max_added_lines;
            bool too_many_removed = bound.max_removed_lines && removed > *bound.max_removed_lines;
            if (!too_many_added && !too_many_removed) continue;
            std::string message = path + ": +" + std::to_string(added) + " -" + std::to_string(removed) + " lines";
            if (too_many_added) message += ", max_added_lines is " + std::to_string(*bound.max_added_lines);
            if (too_many_removed) message += ", max_removed_lines is " + std::to_string(*bound.max_removed_lines);
            Json detail = {{"added", added}, {"removed", removed}, {"glob", bound.path}};
            if (bound.max_added_lines) detail["max_added_lines"] = *bound.max_added_lines;
            if (bound.max_removed_lines) detail["max_removed_lines"] = *bound.max_removed_lines;
            out.push_back(make_reason("diff_out_of_bounds", "diffs", message, path, detail, bound.severity));
        }
    }
    return out;
}

std::vector<Reason> check_tools(const Contract& contract, const RunObservation& run) {
    if (!contract.tools) return {};
    const ToolRules& rules = *contract.tools;
    std::map<std::string, std::int64_t> calls;
    std::vector<std::string> sequence;
    for (const auto& event : run.trace) {
        if (event.tool.empty()) continue;
        ++calls[event.tool];
        sequence.push_back(event.tool);
    }
    std::vector<Reason> out;
    auto add = [&](std::string code, std::string message, Json detail) {
        out.push_back(make_reason(std::move(code), "tools", std::move(message), {}, std::move(detail), rules.severity));
    };
    for (const auto& [tool, count] : calls) {
        bool forbidden = std::find(rules.forbid.begin(), rules.forbid.end(), tool) != rules.forbid.end();
        bool outside = rules.allow && std::find(rules.allow->begin(), rules.allow->end(), tool) == rules.allow->end();
        if (forbidden || outside) {
            add("forbidden_tool",
                "the agent called '" + tool + "' " + std::to_string(count) + " time(s), which is " +
                    (forbidden ? "forbidden" : "not in tools.allow"),
                Json{{"tool", tool}, {"calls", count}});
        }
        auto limit = rules.max_calls.find(tool);
        if (limit != rules.max_calls.end() && count > limit->second) {
            add("tool_budget_exceeded",
                "'" + tool + "' was called " + std::to_string(count) + " times, max_calls is " +
                    std::to_string(limit->second),
                Json{{"tool", tool}, {"calls", count}, {"max_calls", limit->second}});
        }
    }
    // Tools of the trajectory are required too: a step never taken is a missing call, not a wrong order.
    std::vector<std::string> required = rules.required;
    for (const auto& tool : rules.trajectory) {
        if (std::find(required.begin(), required.end(), tool) == required.end()) required.push_back(tool);
    }
    bool all_called = true;
    for (const auto& tool : required) {
        if (calls.count(tool)) continue;
        all_called = false;
        add("missing_tool_call", "the agent never called '" + tool + "', which the contract requires",
            Json{{"tool", tool}, {"calls", sequence}});
    }
    if (all_called && !rules.trajectory.empty()) {
        std::size_t next = 0;
        for (const auto& tool : sequence) {
            if (next < rules.trajectory.size() && tool == rules.trajectory[next]) ++next;
        }
        if (next < rules.trajectory.size()) {
            add("trajectory_mismatch",
                "the calls did not follow the trajectory: step " + std::to_string(next + 1) + " ('" +
                    rules.trajectory[next] + "') never came after the steps before it",
                Json{{"trajectory", rules.trajectory}, {"calls", sequence}, {"first_missing_step", next}});
        }
    }
    if (rules.max_identical_repeats) {
        std::map<std::pair<std::string, std::string>, std::int64_t> identical;
        std::map<std::pair<std::string, std::string>, const TraceEvent*> example;
        for (const auto& event : run.trace) {
            // A retry after an injected fault is the recovery the fault asks for, not a loop.
            bool served = event.fault.empty() || event.fault == "delay";
            if (event.call_key.empty() || !served) continue;
            auto key = std::make_pair(event.tool, event.call_key);
            ++identical[key];
            example.emplace(key, &event);
        }
        for (const auto& [key, count] : identical) {
            if (count - 1 <= *rules.max_identical_repeats) continue;
            const TraceEvent& call = *example[key];
            add("loop_detected",
                "the same call to '" + call.tool + "' (" + call.method + " " + call.path + ") was made " +
                    std::to_string(count) + " times; max_identical_repeats is " +
                    std::to_string(*rules.max_identical_repeats),
                Json{{"tool", call.tool}, {"method", call.method}, {"path", call.path}, {"calls", count},
                     {"max_identical_repeats", *rules.max_identical_repeats}});
        }
    }
    return out;
}

std::vector<Reason> check_side_effects(const Contract& contract, const RunObservation& run) {
    if (!contract.side_effects) return {};
    const SideEffectRules& rules = *contract.side_effects;
    auto in_scope = [&](const TraceEvent& event) {
        return !rules.tools || std::find(rules.tools->begin(), rules.tools->end(), event.tool) != rules.tools->end();
    };
    auto is_mutating = [](const std::string& method) {
        return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
    };
    // A side effect executes when its recorded answer is served, or when a fault
    // hits after the upstream acted (delay, reset, malformed, truncate); a
    // `status` fault (429, 503) means it was refused. A spent recording asked
    // for again is one more execution. Retries that reuse an Idempotency-Key
    // are the same execution.
    std::map<std::string, std::set<std::string>> executions;  // interaction id -> execution keys
    std::map<std::string, std::int64_t> attempts;
    Json unconfirmed = Json::array();
    for (const auto& event : run.trace) {
        if (!in_scope(event)) continue;
        std::optional<std::string> id = event.interaction_id;
        if (!id && is_mutating(event.method) && event.miss.is_object()) {
            const Json& differences = event.miss.value("differences", Json::array());
            if (differences.size() == 1 && differences[0].value("field", "") == "repeat" &&
                event.miss["closest"].is_string()) {
                id = event.miss["closest"].get<std::string>();  // the same request again, its recording spent
            }
        }
        if (!id) {
            if (is_mutating(event.method)) {
                unconfirmed.push_back({{"method", event.method}, {"path", event.path}, {"tool", event.tool}});
            }
            continue;
        }
        if (!event.side_effect || event.fault == "status") continue;
        std::string key = event.idempotency_key.empty() ? "#" + std::to_string(event.seq) : "key:" + event.idempotency_key;
        executions[*id].insert(key);
        ++attempts[*id];
    }
    std::vector<Reason> out;
    if (!unconfirmed.empty()) {
        out.push_back(make_reason("side_effect_unconfirmed", "side_effects",
                                  std::to_string(unconfirmed.size()) +
                                      " mutating request(s) matched no recorded interaction; first: " +
                                      unconfirmed[0]["method"].get<std::string>() + " " +
                                      unconfirmed[0]["path"].get<std::string>(),
                                  unconfirmed[0]["path"], Json{{"requests", unconfirmed}}, rules.severity));
    }
    for (const auto& [id, keys] : executions) {
        if (keys.size() <= 1) continue;
        out.push_back(make_reason("duplicate_side_effect", "side_effects",
                                  "the side effect '" + id + "' ran " + std::to_string(keys.size()) +
                                      " times (retried without the same Idempotency-Key)",
                                  {}, Json{{"interaction_id", id}, {"executions", keys.size()}, {"attempts", attempts[id]}},
                                  rules.severity));
    }
    return out;
}

std::vector<Reason> check_budget(const Contract& contract, const RunObservation& run) {
    const BudgetRules& budget = contract.budget;
    std::vector<Reason> out;
    if (run.process.timed_out) {
        out.push_back(make_reason("timeout", "budget",
                                  "the agent did not finish within its " + seconds(run.timeout_seconds) +
                                      " s limit and was killed with its process group (after " +
                                      seconds(run.process.wall_seconds) + " s)",
                                  {}, Json{{"wall_seconds", run.process.wall_seconds}}));
    } else if (budget.max_wall_seconds && run.process.wall_seconds > *budget.max_wall_seconds) {
        out.push_back(make_reason("timeout", "budget",
                                  "the run took " + seconds(run.process.wall_seconds) + " s, budget is " +
                                      seconds(*budget.max_wall_seconds) + " s",
                                  {}, Json{{"wall_seconds", run.process.wall_seconds}}, budget.severity));
    }
    auto calls = static_cast<std::int64_t>(run.trace.size());
    if (budget.max_tool_calls && calls > *budget.max_tool_calls) {
        out.push_back(make_reason("budget_exceeded", "budget",
                                  std::to_string(calls) + " tool calls, budget is " + std::to_string(*budget.max_tool_calls),
                                  {}, Json{{"tool_calls", calls}, {"max_tool_calls", *budget.max_tool_calls}},
                                  budget.severity));
    }
    std::int64_t tokens = 0;
    for (const auto& event : run.trace) tokens += event.tokens;
    if (budget.max_tokens && tokens > *budget.max_tokens) {
        out.push_back(make_reason("budget_exceeded", "budget",
                                  std::to_string(tokens) + " tokens used (from the usage of the responses served), budget is " +
                                      std::to_string(*budget.max_tokens),
                                  {}, Json{{"tokens", tokens}, {"max_tokens", *budget.max_tokens}}, budget.severity));
    }
    return out;
}

std::vector<Reason> check_network(const Contract& contract, const RunObservation& run) {
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
    return {make_reason("unrecorded_request", "network", message, first["path"], Json{{"requests", requests}},
                        contract.network_severity)};
}

std::vector<Reason> evaluate_contract(const Contract& contract, const RunObservation& run) {
    std::vector<Reason> reasons;
    auto add = [&](std::vector<Reason> more) { reasons.insert(reasons.end(), more.begin(), more.end()); };
    bool finished = !run.process.timed_out && !run.process.aborted;
    bool produced = finished && !run.escalation;
    if (finished) add(check_exit(contract, run));
    if (produced) add(check_artifacts(contract, run));
    if (produced) add(check_evidence(contract, run));
    if (finished) add(check_mutations(contract, run));
    if (produced) add(check_diffs(contract, run));
    if (finished) add(check_tools(contract, run));
    if (finished) add(check_side_effects(contract, run));
    add(check_budget(contract, run));
    add(check_network(contract, run));
    return reasons;
}

Verdict decide_verdict(const Contract& contract, const RunObservation& run, std::vector<Reason>& reasons) {
    if (run.escalation && contract.status != Verdict::blocked) {
        reasons.push_back(make_reason("unexpected_status", "status",
                                      "the agent stopped and escalated (" +
                                          (run.escalation->empty() ? std::string("no reason given") : *run.escalation) +
                                          ") where the contract expects it to finish (passed)",
                                      {}, Json{{"escalation", *run.escalation}}));
    } else if (!run.escalation && contract.status == Verdict::blocked) {
        reasons.push_back(make_reason("unexpected_status", "status",
                                      "the contract expects the agent to stop and escalate (blocked), but it did not"));
    }
    bool errors = std::any_of(reasons.begin(), reasons.end(), [](const Reason& r) { return r.severity == Severity::error; });
    if (errors) return Verdict::failed;
    if (!reasons.empty()) return Verdict::degraded;
    return run.escalation ? Verdict::blocked : Verdict::passed;
}

std::optional<std::string> read_escalation(const fs::path& events_file) {
    // The agent owns this file: it may be a FIFO (reading would block) or huge.
    std::error_code ec;
    if (!fs::is_regular_file(events_file, ec)) return std::nullopt;
    constexpr std::size_t kMaxEventBytes = 16u << 20;
    std::istringstream in(read_prefix(events_file, kMaxEventBytes));
    std::string line;
    while (std::getline(in, line)) {
        Json event = parse_untrusted_json(line);
        if (!event.is_object() || !event.contains("type") || !event["type"].is_string()) continue;
        std::string type = event["type"].get<std::string>();
        if (type != "blocked" && type != "escalated") continue;
        const Json& reason = event.contains("reason") ? event["reason"] : Json();
        return reason.is_string() ? reason.get<std::string>() : (reason.is_null() ? "" : dump(reason));
    }
    return std::nullopt;
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
