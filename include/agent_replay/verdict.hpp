#pragma once
// The outcome of one replay: a verdict plus machine-readable reasons (SPEC §2).
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agent_replay {

enum class Verdict { passed, failed, blocked, degraded, skipped, inconclusive };

std::string_view to_string(Verdict verdict);
std::optional<Verdict> verdict_from_string(std::string_view text);

// Whether the verdict turns the CTest case (and CI) red. Unknown is not
// green; `blocked` is only reached when the contract expects the agent to
// stop and escalate, and `degraded` means only warnings failed.
bool is_failure(Verdict verdict);

// Per contract check: an `error` failing makes the run `failed`, a `warn`
// failing only makes it `degraded`.
enum class Severity { error, warn };
std::string_view to_string(Severity severity);

struct Reason {
    std::string code;     // from the reason catalogue (reason_codes.hpp)
    std::string check;    // the contract check that emitted it ("artifacts", "network", ...)
    std::string message;  // one human sentence
    std::string path;     // workspace path or request path the reason is about, if any
    nlohmann::json detail = nullptr;
    Severity severity = Severity::error;
};

void to_json(nlohmann::json& out, const Reason& reason);
void from_json(const nlohmann::json& in, Reason& reason);

// The comma-separated list of codes, e.g. "missing_artifact_ref,timeout".
std::string reason_codes_of(const std::vector<Reason>& reasons);

}  // namespace agent_replay
