#include <agent_replay/fixture.hpp>
#include <agent_replay/json_object_reader.hpp>
#include <agent_replay/json_schema.hpp>
#include <agent_replay/templates.hpp>
#include <agent_replay/utc_time.hpp>

#include <re2/re2.h>

#include <fstream>
#include <regex>
#include <sstream>

namespace agent_replay {
namespace fs = std::filesystem;
namespace {

constexpr int kMaxTimeoutSeconds = 7 * 24 * 3600;

// Throws unless `pointer` is a JSON pointer (RFC 6901) that nlohmann accepts.
void check_pointer(JsonObjectReader& reader, const std::string& key, const std::string& pointer) {
    try {
        Json::json_pointer parsed(pointer);
    } catch (const nlohmann::json::exception&) {
        throw reader.error(key, "'" + pointer + "' is not a JSON pointer (RFC 6901: \"/a/0/b\", ~0 for ~, ~1 for /)");
    }
}

// A glob that can never match a workspace path would silently disable its check.
void check_glob(JsonObjectReader& reader, const std::string& key, const std::string& glob) {
    std::string problem;
    if (glob.empty()) problem = "is empty";
    else if (glob[0] == '/') problem = "is absolute; globs are relative to the workspace";
    else if (glob.rfind("./", 0) == 0 || glob.find("/./") != std::string::npos) problem = "contains a '.' segment";
    else if (glob.find("..") != std::string::npos) problem = "contains '..'";
    else if (glob.find("//") != std::string::npos || glob.back() == '/') problem = "has an empty segment";
    else if (glob.find_first_of("{}") != std::string::npos) problem = "uses braces, which are not supported (list each glob)";
    if (!problem.empty()) throw reader.error(key, "glob '" + glob + "' " + problem);
}

// Fields of `agent` that suite.json and input.json may each set; input.json wins.
struct AgentOverlay {
    std::optional<std::string> name;
    std::optional<std::vector<std::string>> command;
    std::map<std::string, std::string> env;
    std::optional<std::string> cwd;
    std::optional<double> timeout_seconds;
};

// Expands with placeholder values so that an unknown {{name}} is reported at load time, with its line.
void check_templates(JsonObjectReader& reader, const std::string& key, const std::string& text) {
    static const TemplateValues kKnown{{"proxy_url", ""}, {"workspace", ""}, {"fixture_dir", ""}, {"repo", ""}, {"run_id", ""}};
    try {
        expand_templates(text, kKnown);
    } catch (const std::invalid_argument& error) {
        throw reader.error(key, error.what());
    }
}

AgentOverlay read_agent(JsonObjectReader& parent) {
    AgentOverlay overlay;
    if (!parent.has_object("agent")) return overlay;
    JsonObjectReader reader(parent.document(), parent.pointer_of("agent"));
    overlay.name = reader.optional_string("name");
    overlay.command = reader.optional_string_list("command");
    if (overlay.command && (overlay.command->empty() || overlay.command->front().empty())) {
        throw reader.error("command", "must name a program to run");
    }
    overlay.env = reader.optional_string_map("env").value_or(std::map<std::string, std::string>{});
    overlay.cwd = reader.optional_string("cwd");
    for (const auto& arg : overlay.command.value_or(std::vector<std::string>{})) check_templates(reader, "command", arg);
    for (const auto& [name, value] : overlay.env) check_templates(reader, "env", value);
    if (overlay.cwd) check_templates(reader, "cwd", *overlay.cwd);
    overlay.timeout_seconds = reader.optional_number("timeout_seconds", 0.001);
    if (overlay.timeout_seconds && *overlay.timeout_seconds > kMaxTimeoutSeconds) {
        throw reader.error("timeout_seconds", "must be at most " + std::to_string(kMaxTimeoutSeconds) + " (a week)");
    }
    reader.reject_unknown_keys();
    return overlay;
}

void apply(AgentSpec& agent, const AgentOverlay& overlay) {
    if (overlay.name) agent.name = *overlay.name;
    if (overlay.command) agent.command = *overlay.command;
    for (const auto& [key, value] : overlay.env) agent.env[key] = value;
    if (overlay.cwd) agent.cwd = *overlay.cwd;
    if (overlay.timeout_seconds) agent.timeout_seconds = *overlay.timeout_seconds;
}

std::string read_tier(JsonObjectReader& reader) {
    auto tier = reader.optional_string("tier");
    if (tier && *tier != "critical" && *tier != "hourly" && *tier != "daily") {
        throw reader.error("tier", "must be \"critical\", \"hourly\" or \"daily\", not \"" + *tier + "\"");
    }
    return tier.value_or("");
}

// routes: {"/prefix": "tool"} or {"/prefix": {"tool": "name", "upstream": "https://host/base", "fault": {...}}}.
void read_routes(JsonObjectReader& reader, std::vector<Route>& routes) {
    const Json* map = reader.find("routes");
    if (!map) return;
    if (!map->is_object()) throw reader.error("routes", "expected an object of path prefix -> tool");
    const JsonDocument& doc = reader.document();
    for (const auto& [prefix, spec] : map->items()) {
        std::string pointer = reader.pointer_of("routes") + "/" + escape_pointer_token(prefix);
        if (prefix.empty() || prefix[0] != '/') throw doc.error_at(pointer, "route prefix '" + prefix + "' must start with '/'");
        Route route{prefix, "", "", std::nullopt};
        if (spec.is_string()) {
            route.tool = spec.get<std::string>();
        } else if (spec.is_object()) {
            JsonObjectReader fields(doc, pointer);
            route.tool = fields.required_string("tool");
            route.upstream = fields.optional_string("upstream").value_or("");
            if (!route.upstream.empty() && route.upstream.rfind("http://", 0) != 0 &&
                route.upstream.rfind("https://", 0) != 0) {
                throw fields.error("upstream", "must start with http:// or https://");
            }
            if (fields.has_object("fault")) route.fault = parse_fault(doc, fields.pointer_of("fault"));
            fields.reject_unknown_keys();
        } else {
            throw doc.error_at(pointer, "route '" + prefix + "' must be a tool name or {\"tool\", \"upstream\", \"fault\"}");
        }
        auto same = std::find_if(routes.begin(), routes.end(), [&](const Route& r) { return r.prefix == prefix; });
        if (same != routes.end()) *same = route;
        else routes.push_back(route);
    }
}

std::string read_file_text(const fs::path& file, const JsonDocument& doc, const std::string& pointer) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) throw doc.error_at(pointer, "state file " + file.string() + " is missing or not a file");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw doc.error_at(pointer, "cannot read state file " + file.string());
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::vector<StateFile> read_state(JsonObjectReader& parent, const fs::path& fixture_dir) {
    std::vector<StateFile> state;
    if (!parent.has_object("state")) return state;
    const JsonDocument& doc = parent.document();
    const Json& entries = doc.root().at("state");
    for (const auto& [relpath, spec] : entries.items()) {
        std::string pointer = "/state/" + escape_pointer_token(relpath);
        // Validates the workspace path the same way as fixture paths.
        resolve_inside(fixture_dir, relpath, doc, pointer);
        fs::path normal = fs::path(relpath).lexically_normal();
        bool dot_segment = std::any_of(normal.begin(), normal.end(), [](const fs::path& part) { return part == "."; });
        if (relpath.back() == '/' || dot_segment || normal.generic_string() != relpath ||
            relpath.find('\0') != std::string::npos) {
            throw doc.error_at(pointer, "state path '" + relpath + "' must be a plain relative file path (no '.', '//', trailing '/')");
        }
        for (const auto& other : state) {
            if (relpath.rfind(other.relpath + "/", 0) == 0 || other.relpath.rfind(relpath + "/", 0) == 0) {
                throw doc.error_at(pointer, "state path '" + relpath + "' collides with '" + other.relpath + "'");
            }
        }
        JsonObjectReader reader(doc, pointer);
        const Json* text = reader.find("text");
        const Json* json = reader.find("json");
        const Json* file = reader.find("file");
        if ((text != nullptr) + (json != nullptr) + (file != nullptr) != 1) {
            throw doc.error_at(pointer, "state entry '" + relpath + "' needs exactly one of text, json, file");
        }
        StateFile entry{relpath, {}};
        if (text) {
            if (!text->is_string()) throw reader.error("text", "expected a string");
            entry.content = text->get<std::string>();
        } else if (json) {
            entry.content = json->dump(2) + "\n";
        } else {
            if (!file->is_string()) throw reader.error("file", "expected a path string");
            std::string source_pointer = reader.pointer_of("file");
            fs::path source = resolve_inside(fixture_dir, file->get<std::string>(), doc, source_pointer);
            entry.content = read_file_text(source, doc, source_pointer);
        }
        reader.reject_unknown_keys();
        state.push_back(std::move(entry));
    }
    return state;
}

InputEnvelope load_input(const fs::path& fixture_dir, const fs::path& suite_file) {
    InputEnvelope input;
    AgentSpec agent;
    std::string suite_tier;
    if (fs::exists(suite_file)) {
        JsonDocument suite = JsonDocument::load(suite_file);
        JsonObjectReader reader(suite, "");
        require_schema_version(reader);
        apply(agent, read_agent(reader));
        read_routes(reader, input.routes);
        suite_tier = read_tier(reader);
        input.tool_allowlist = reader.optional_string_list("tool_allowlist").value_or(std::vector<std::string>{});
        input.include_cassettes = reader.optional_string_list("include_cassettes").value_or(std::vector<std::string>{});
        input.tags = reader.optional_string_list("tags").value_or(std::vector<std::string>{});
        reader.reject_unknown_keys();
    }
    JsonDocument doc = JsonDocument::load(fixture_dir / "input.json");
    JsonObjectReader reader(doc, "");
    require_schema_version(reader);
    input.task_id = reader.optional_string("task_id").value_or(fixture_dir.filename().string());
    apply(agent, read_agent(reader));
    input.model = reader.optional_string("model").value_or("");
    input.prompt_version = reader.optional_string("prompt_version").value_or("");
    if (auto allow = reader.optional_string_list("tool_allowlist")) input.tool_allowlist = *allow;
    input.state = read_state(reader, fixture_dir);
    read_routes(reader, input.routes);
    if (auto include = reader.optional_string_list("include_cassettes")) input.include_cassettes = *include;
    input.redact_json_paths = reader.optional_string_list("redact_json_paths").value_or(std::vector<std::string>{});
    for (const auto& pointer : input.redact_json_paths) check_pointer(reader, "redact_json_paths", pointer);
    std::string tier = read_tier(reader);
    input.tier = !tier.empty() ? tier : !suite_tier.empty() ? suite_tier : "daily";
    if (auto tags = reader.optional_string_list("tags")) input.tags = *tags;
    reader.reject_unknown_keys();

    if (agent.command.empty()) {
        throw doc.error_at("", "no agent command: set agent.command here or in " + suite_file.string());
    }
    input.agent = agent;
    std::sort(input.routes.begin(), input.routes.end(),
              [](const Route& a, const Route& b) { return a.prefix.size() > b.prefix.size(); });
    return input;
}

// "severity": "error" (default: a failure fails the run) or "warn" (degraded).
Severity read_severity(JsonObjectReader& reader) {
    auto severity = reader.optional_string("severity");
    if (!severity || *severity == "error") return Severity::error;
    if (*severity == "warn") return Severity::warn;
    throw reader.error("severity", "must be \"error\" or \"warn\"");
}

// RE2 refuses what it cannot run in linear time (backreferences, lookaround),
// so a pattern that compiles here cannot hang or exhaust the stack later.
void check_regex(JsonObjectReader& reader, const std::string& key, const std::string& pattern) {
    RE2 compiled(pattern, RE2::Quiet);
    if (!compiled.ok()) throw reader.error(key, "'" + pattern + "' is not a valid RE2 pattern: " + compiled.error());
}

ArtifactCheck read_artifact(const JsonDocument& doc, const std::string& pointer, const fs::path& fixture_dir) {
    JsonObjectReader reader(doc, pointer);
    ArtifactCheck check;
    check.path = reader.required_string("path");
    check_glob(reader, "path", check.path);
    check.non_empty = reader.optional_bool("non_empty").value_or(false);
    if (auto min = reader.optional_integer("min_bytes", 0)) check.min_bytes = static_cast<std::uint64_t>(*min);
    if (auto max = reader.optional_integer("max_bytes", 0)) check.max_bytes = static_cast<std::uint64_t>(*max);
    if (auto schema = reader.optional_string("schema")) {
        fs::path file = resolve_inside(fixture_dir, *schema, doc, reader.pointer_of("schema"));
        JsonDocument schema_doc = JsonDocument::load(file);
        if (auto problem = json_schema_problem(schema_doc.root())) {
            throw FixtureError({file}, "not a usable JSON Schema: " + *problem);
        }
        check.schema_file = *schema;
        check.schema = schema_doc.root();
    }
    if (const Json* equals = reader.find("json_equals")) {
        if (!equals->is_object()) throw reader.error("json_equals", "expected an object of JSON pointer -> value");
        for (const auto& [target, value] : equals->items()) {
            check_pointer(reader, "json_equals", target);
            check.json_equals.emplace_back(target, value);
        }
    }
    check.json_exists = reader.optional_string_list("json_exists").value_or(std::vector<std::string>{});
    for (const auto& target : check.json_exists) check_pointer(reader, "json_exists", target);
    check.contains = reader.optional_string_list("contains").value_or(std::vector<std::string>{});
    check.not_contains = reader.optional_string_list("not_contains").value_or(std::vector<std::string>{});
    check.regex = reader.optional_string_list("regex").value_or(std::vector<std::string>{});
    for (const auto& pattern : check.regex) check_regex(reader, "regex", pattern);
    check.severity = read_severity(reader);
    reader.reject_unknown_keys();
    return check;
}

std::vector<std::string> read_tool_list(JsonObjectReader& reader, const std::string& key) {
    auto tools = reader.optional_string_list(key).value_or(std::vector<std::string>{});
    for (const auto& tool : tools) {
        if (tool.empty()) throw reader.error(key, "a tool name is empty");
    }
    return tools;
}

ToolRules read_tool_rules(const JsonDocument& doc) {
    JsonObjectReader tools(doc, "/tools");
    ToolRules rules;
    rules.allow = tools.optional_string_list("allow");
    rules.forbid = read_tool_list(tools, "forbid");
    if (tools.has_object("max_calls")) {
        JsonObjectReader limits(doc, "/tools/max_calls");
        for (const auto& [tool, value] : doc.root().at("tools").at("max_calls").items()) {
            rules.max_calls[tool] = *limits.optional_integer(tool, 0);
        }
    }
    rules.required = read_tool_list(tools, "required");
    rules.trajectory = read_tool_list(tools, "trajectory");
    rules.max_identical_repeats = tools.optional_integer("max_identical_repeats", 0);
    rules.severity = read_severity(tools);
    tools.reject_unknown_keys();
    return rules;
}

EvidenceRule read_evidence(const JsonDocument& doc) {
    JsonObjectReader reader(doc, "/evidence");
    EvidenceRule rule;
    rule.artifact = reader.required_string("artifact");
    check_glob(reader, "artifact", rule.artifact);
    if (rule.artifact.find_first_of("*?[") != std::string::npos) {
        throw reader.error("artifact", "names one file; globs are not allowed here");
    }
    rule.pointer = reader.required_string("pointer");
    check_pointer(reader, "pointer", rule.pointer);
    rule.min_count = static_cast<std::size_t>(reader.optional_integer("min_count", 0).value_or(1));
    rule.severity = read_severity(reader);
    reader.reject_unknown_keys();
    return rule;
}

DiffBound read_diff_bound(const JsonDocument& doc, const std::string& pointer) {
    JsonObjectReader reader(doc, pointer);
    DiffBound bound;
    bound.path = reader.required_string("path");
    check_glob(reader, "path", bound.path);
    bound.max_added_lines = reader.optional_integer("max_added_lines", 0);
    bound.max_removed_lines = reader.optional_integer("max_removed_lines", 0);
    bound.max_changed_files = reader.optional_integer("max_changed_files", 0);
    if (!bound.max_added_lines && !bound.max_removed_lines && !bound.max_changed_files) {
        throw reader.error("path", "a diff bound needs max_added_lines, max_removed_lines or max_changed_files");
    }
    bound.severity = read_severity(reader);
    reader.reject_unknown_keys();
    return bound;
}

Contract load_contract(const fs::path& fixture_dir) {
    JsonDocument doc = JsonDocument::load(fixture_dir / "expected.json");
    JsonObjectReader reader(doc, "");
    require_schema_version(reader);
    Contract contract;
    if (auto status = reader.optional_string("status")) {
        auto verdict = verdict_from_string(*status);
        if (!verdict || (*verdict != Verdict::passed && *verdict != Verdict::blocked)) {
            throw reader.error("status", "must be \"passed\" or \"blocked\"");
        }
        contract.status = *verdict;
    }
    if (reader.has_object("exit")) {
        JsonObjectReader exit(doc, "/exit");
        std::int64_t code = exit.optional_integer("code", 0).value_or(0);
        if (code > 255) throw exit.error("code", "an exit code is between 0 and 255");
        contract.exit_code = static_cast<int>(code);
        contract.exit_severity = read_severity(exit);
        exit.reject_unknown_keys();
    }
    if (const Json* artifacts = reader.find("artifacts")) {
        if (!artifacts->is_array()) throw reader.error("artifacts", "expected an array of artifact checks");
        for (std::size_t i = 0; i < artifacts->size(); ++i) {
            contract.artifacts.push_back(read_artifact(doc, "/artifacts/" + std::to_string(i), fixture_dir));
        }
    }
    if (reader.has_object("evidence")) contract.evidence = read_evidence(doc);
    if (reader.has_object("mutations")) {
        JsonObjectReader mutations(doc, "/mutations");
        MutationRules rules;
        rules.forbidden = mutations.optional_string_list("forbidden").value_or(std::vector<std::string>{});
        rules.allowed = mutations.optional_string_list("allowed");
        for (const auto& glob : rules.forbidden) check_glob(mutations, "forbidden", glob);
        for (const auto& glob : rules.allowed.value_or(std::vector<std::string>{})) check_glob(mutations, "allowed", glob);
        rules.severity = read_severity(mutations);
        mutations.reject_unknown_keys();
        contract.mutations = rules;
    }
    if (const Json* diffs = reader.find("diffs")) {
        if (!diffs->is_array()) throw reader.error("diffs", "expected an array of diff bounds");
        for (std::size_t i = 0; i < diffs->size(); ++i) {
            contract.diffs.push_back(read_diff_bound(doc, "/diffs/" + std::to_string(i)));
        }
    }
    if (reader.has_object("tools")) contract.tools = read_tool_rules(doc);
    if (reader.has_object("side_effects")) {
        JsonObjectReader side_effects(doc, "/side_effects");
        SideEffectRules rules;
        rules.tools = side_effects.optional_string_list("tools");
        rules.severity = read_severity(side_effects);
        side_effects.reject_unknown_keys();
        contract.side_effects = rules;
    }
    if (reader.has_object("budget")) {
        JsonObjectReader budget(doc, "/budget");
        contract.budget.max_wall_seconds = budget.optional_number("max_wall_seconds", 0.001);
        if (contract.budget.max_wall_seconds && *contract.budget.max_wall_seconds > kMaxTimeoutSeconds) {
            throw budget.error("max_wall_seconds", "must be at most " + std::to_string(kMaxTimeoutSeconds) + " (a week)");
        }
        contract.budget.max_tool_calls = budget.optional_integer("max_tool_calls", 0);
        contract.budget.max_tokens = budget.optional_integer("max_tokens", 0);
        contract.budget.severity = read_severity(budget);
        budget.reject_unknown_keys();
    }
    if (reader.has_object("network")) {
        JsonObjectReader network(doc, "/network");
        contract.network_severity = read_severity(network);
        network.reject_unknown_keys();
    }
    reader.reject_unknown_keys();
    return contract;
}

std::optional<ProofRecord> read_proof(const JsonDocument& doc, JsonObjectReader& proof, const std::string& key) {
    if (!proof.has_object(key)) return std::nullopt;
    JsonObjectReader reader(doc, proof.pointer_of(key));
    ProofRecord record;
    record.verdict = reader.optional_string("verdict").value_or("");
    record.reasons = reader.optional_string_list("reasons").value_or(std::vector<std::string>{});
    record.at = reader.optional_string("at").value_or("");
    record.ref = reader.optional_string("ref").value_or("");
    reader.reject_unknown_keys();
    return record;
}

Notes load_notes(const fs::path& fixture_dir) {
    JsonDocument doc = JsonDocument::load(fixture_dir / "notes.json");
    JsonObjectReader reader(doc, "");
    require_schema_version(reader);
    Notes notes;
    notes.source_run_id = reader.optional_string("source_run_id").value_or("");
    notes.failure_class = reader.optional_string("failure_class").value_or("");
    notes.summary = reader.optional_string("summary").value_or("");
    notes.owner = reader.optional_string("owner").value_or("");
    notes.created_at = reader.optional_string("created_at").value_or("");
    if (reader.has_object("proof")) {
        JsonObjectReader proof(doc, "/proof");
        notes.proof_broken = read_proof(doc, proof, "broken");
        notes.proof_fixed = read_proof(doc, proof, "fixed");
        proof.reject_unknown_keys();
    }
    if (reader.has_object("quarantine")) {
        JsonObjectReader quarantine(doc, "/quarantine");
        notes.quarantine = Quarantine{quarantine.required_string("reason"), quarantine.optional_string("owner").value_or(""),
                                      quarantine.required_string("until")};
        if (!parse_utc_deadline(notes.quarantine->until)) {
            throw quarantine.error("until", "'" + notes.quarantine->until +
                                                "' is not a date (YYYY-MM-DD, inclusive) or a UTC time (YYYY-MM-DDTHH:MM:SSZ)");
        }
        quarantine.reject_unknown_keys();
    }
    reader.reject_unknown_keys();
    return notes;
}

Cassette load_cassettes(const fs::path& fixture_dir, const InputEnvelope& input, const fs::path& repo_root) {
    Cassette cassette = parse_cassette(JsonDocument::load(fixture_dir / "tool_cassettes.json"));
    for (const auto& name : input.include_cassettes) {
        static const std::regex kName("[A-Za-z0-9_.-]+");
        if (!std::regex_match(name, kName) || name.find("..") != std::string::npos) {
            JsonDocument input = JsonDocument::load(fixture_dir / "input.json");
            throw input.error_at("/include_cassettes", "'" + name + "' is not a plain cassette name (a file under cassettes/)");
        }
        fs::path file = repo_root / "cassettes" / (name.ends_with(".json") ? name : name + ".json");
        merge_cassette(cassette, parse_cassette(JsonDocument::load(file)), file);
    }
    return cassette;
}

}  // namespace

const Route* find_route(const std::vector<Route>& routes, const std::string& path) {
    const Route* best = nullptr;
    for (const Route& route : routes) {
        bool covers = path.compare(0, route.prefix.size(), route.prefix) == 0 &&
                      (path.size() == route.prefix.size() || path[route.prefix.size()] == '/' || route.prefix.back() == '/');
        if (covers && (!best || route.prefix.size() > best->prefix.size())) best = &route;
    }
    return best;
}

bool is_valid_fixture_id(const std::string& id) {
    static const std::regex kId("[a-z0-9_]+");
    return std::regex_match(id, kId);
}

fs::path resolve_inside(const fs::path& root, const std::string& relative, const JsonDocument& doc,
                        const std::string& pointer) {
    fs::path candidate(relative);
    if (relative.empty()) throw doc.error_at(pointer, "path must not be empty");
    if (candidate.is_absolute()) throw doc.error_at(pointer, "path '" + relative + "' must be relative, not absolute");
    for (const auto& part : candidate) {
        if (part == "..") throw doc.error_at(pointer, "path '" + relative + "' escapes its directory ('..')");
    }
    std::error_code ec;
    fs::path base = fs::weakly_canonical(root, ec);
    fs::path full = fs::weakly_canonical(root / candidate, ec);
    auto [base_end, full_it] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
    if (base_end != base.end()) {
        throw doc.error_at(pointer, "path '" + relative + "' leads outside " + root.string() + " (symlink)");
    }
    return root / candidate;
}

Fixture load_fixture(const fs::path& fixture_dir, const fs::path& repo_root, bool for_recording) {
    Fixture fixture;
    fixture.dir = fixture_dir;
    fixture.id = fixture_dir.filename().string();
    if (!is_valid_fixture_id(fixture.id)) {
        throw FixtureError({fixture_dir}, "fixture id '" + fixture.id + "' must match [a-z0-9_]+");
    }
    if (!fs::is_directory(fixture_dir)) throw FixtureError({fixture_dir}, "fixture directory does not exist");
    fixture.input = load_input(fixture_dir, fixture_dir.parent_path() / "suite.json");
    fixture.expected = load_contract(fixture_dir);
    if (!for_recording || fs::exists(fixture_dir / "tool_cassettes.json")) {
        fixture.cassette = load_cassettes(fixture_dir, fixture.input, repo_root);
    }
    fixture.notes = load_notes(fixture_dir);
    return fixture;
}

}  // namespace agent_replay
