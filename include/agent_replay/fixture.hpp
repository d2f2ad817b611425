#pragma once
// The fixture model (SPEC §2) and its loader. Loading touches only the one
// fixture directory and its suite.json, so a suite of 10,000 fixtures costs
// one fixture per CTest case.
#include <agent_replay/cassette.hpp>
#include <agent_replay/json_document.hpp>
#include <agent_replay/verdict.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace agent_replay {

struct AgentSpec {
    std::string name;
    std::vector<std::string> command;  // argv; strings may hold {{templates}}
    std::map<std::string, std::string> env;
    std::string cwd = "{{workspace}}";
    double timeout_seconds = 60;
};

// One file to materialise into the workspace before the run.
struct StateFile {
    std::string relpath;
    std::string content;
};

struct Route {
    std::string prefix{};    // "/tools/search"
    std::string tool{};      // "search"
    std::string upstream{};  // "https://api.example.com/v1" (record mode); "" = none
    // Injected into every recorded request under the prefix whose interaction
    // has no fault of its own (the chaos of a whole tool, not one call).
    std::optional<Fault> fault{};
};

// The route whose prefix covers `path` (a whole segment: "/tools" covers
// "/tools/x", not "/toolsx"), longest prefix first; nullptr if none.
const Route* find_route(const std::vector<Route>& routes, const std::string& path);

struct InputEnvelope {
    std::string task_id;
    AgentSpec agent;
    std::string model;
    std::string prompt_version;
    std::vector<std::string> tool_allowlist;
    std::vector<StateFile> state;
    std::vector<Route> routes;  // longest prefix first
    std::vector<std::string> include_cassettes;
    std::vector<std::string> redact_json_paths;  // body fields redacted when recording
    std::string tier = "daily";
    std::vector<std::string> tags;
};

struct ArtifactCheck {
    std::string path;  // glob relative to the workspace
    bool non_empty = false;
    std::optional<std::uint64_t> min_bytes;
    std::optional<std::uint64_t> max_bytes;
    std::string schema_file;  // relative to the fixture dir, "" = none
    Json schema;              // loaded schema document
    std::vector<std::pair<std::string, Json>> json_equals;  // pointer -> value
    std::vector<std::string> json_exists;
    std::vector<std::string> contains;      // substrings the text must hold
    std::vector<std::string> not_contains;  // substrings it must not hold
    std::vector<std::string> regex;         // RE2 patterns that must match somewhere in the text
    Severity severity = Severity::error;
};

// The artifact cites evidence: the list at `pointer` (strings, or objects
// with a "path") names workspace files, at least `min_count`, all existing.
struct EvidenceRule {
    std::string artifact;  // workspace-relative path of the citing artifact
    std::string pointer;   // JSON pointer to the list
    std::size_t min_count = 1;
    Severity severity = Severity::error;
};

struct MutationRules {
    std::vector<std::string> forbidden;
    std::optional<std::vector<std::string>> allowed;  // when set, the only places that may change
    Severity severity = Severity::error;
};

// Bounds on how much the files matching `path` may change (line diff against the state).
struct DiffBound {
    std::string path;  // glob relative to the workspace
    std::optional<std::int64_t> max_added_lines;    // per file
    std::optional<std::int64_t> max_removed_lines;  // per file
    std::optional<std::int64_t> max_changed_files;  // over all files matching `path`
    Severity severity = Severity::error;
};

struct ToolRules {
    std::optional<std::vector<std::string>> allow;
    std::vector<std::string> forbid;
    std::map<std::string, std::int64_t> max_calls;
    std::vector<std::string> required;    // each called at least once
    std::vector<std::string> trajectory;  // called in this order (other calls may come between)
    std::optional<std::int64_t> max_identical_repeats;  // same tool, method, path, query and canonical body
    Severity severity = Severity::error;
};

struct SideEffectRules {
    std::optional<std::vector<std::string>> tools;  // unset: every tool
    Severity severity = Severity::error;
};

struct BudgetRules {
    std::optional<double> max_wall_seconds;
    std::optional<std::int64_t> max_tool_calls;  // every request the proxy saw
    std::optional<std::int64_t> max_tokens;      // summed from the `usage` of the responses served
    Severity severity = Severity::error;
};

struct Contract {
    Verdict status = Verdict::passed;
    int exit_code = 0;
    Severity exit_severity = Severity::error;
    std::vector<ArtifactCheck> artifacts;
    std::optional<EvidenceRule> evidence;
    std::optional<MutationRules> mutations;
    std::vector<DiffBound> diffs;
    std::optional<ToolRules> tools;
    std::optional<SideEffectRules> side_effects;
    BudgetRules budget;
    Severity network_severity = Severity::error;
};

struct ProofRecord {
    std::string verdict;
    std::vector<std::string> reasons;
    std::string at;
    std::string ref;
};

struct Quarantine {
    std::string reason;
    std::string owner;
    std::string until;
};

struct Notes {
    std::string source_run_id;
    std::string failure_class;
    std::string summary;
    std::string owner;
    std::string created_at;
    std::optional<ProofRecord> proof_broken;
    std::optional<ProofRecord> proof_fixed;
    std::optional<Quarantine> quarantine;
};

struct Fixture {
    std::string id;
    std::filesystem::path dir;
    InputEnvelope input;
    Contract expected;
    Cassette cassette;
    Notes notes;
};

// True for a valid fixture id: [a-z0-9_]+.
bool is_valid_fixture_id(const std::string& id);

// Loads `fixture_dir` (and `suite.json` from its parent, if present).
// `repo_root` locates shared cassettes under <repo_root>/cassettes/.
// Throws FixtureError naming the file (and line/column) of the first problem.
// `for_recording`: tool_cassettes.json may be missing (record mode writes it).
Fixture load_fixture(const std::filesystem::path& fixture_dir, const std::filesystem::path& repo_root,
                     bool for_recording = false);

// Resolves `relative` inside `root`, refusing absolute paths, ".." and
// symlinks that lead outside. Throws FixtureError located at `doc`/`pointer`.
std::filesystem::path resolve_inside(const std::filesystem::path& root, const std::string& relative,
                                     const JsonDocument& doc, const std::string& pointer);

}  // namespace agent_replay
