#include <agent_replay/verdict.hpp>

#include <array>
#include <utility>

namespace agent_replay {
namespace {

constexpr std::array<std::pair<Verdict, std::string_view>, 6> kNames{{
    {Verdict::passed, "passed"},
    {Verdict::failed, "failed"},
    {Verdict::blocked, "blocked"},
    {Verdict::degraded, "degraded"},
    {Verdict::skipped, "skipped"},
    {Verdict::inconclusive, "inconclusive"},
}};

}  // namespace

std::string_view to_string(Verdict verdict) {
    for (const auto& [value, name] : kNames) {
        if (value == verdict) return name;
    }
    return "inconclusive";
}

std::optional<Verdict> verdict_from_string(std::string_view text) {
    for (const auto& [value, name] : kNames) {
        if (name == text) return value;
    }
    return std::nullopt;
}

bool is_failure(Verdict verdict) {
    return verdict == Verdict::failed || verdict == Verdict::inconclusive;
}

std::string_view to_string(Severity severity) { return severity == Severity::warn ? "warn" : "error"; }

void to_json(nlohmann::json& out, const Reason& reason) {
    out = {{"code", reason.code}, {"check", reason.check}, {"message", reason.message}};
    if (!reason.path.empty()) out["path"] = reason.path;
    if (!reason.detail.is_null()) out["detail"] = reason.detail;
    out["severity"] = to_string(reason.severity);
}

void from_json(const nlohmann::json& in, Reason& reason) {
    reason.code = in.value("code", "");
    reason.check = in.value("check", "");
    reason.message = in.value("message", "");
    reason.path = in.value("path", "");
    reason.detail = in.value("detail", nlohmann::json());
    reason.severity = in.value("severity", "error") == "warn" ? Severity::warn : Severity::error;
}

std::string reason_codes_of(const std::vector<Reason>& reasons) {
    std::string out;
    for (const auto& reason : reasons) out += (out.empty() ? "" : ",") + reason.code;
    return out;
}

}  // namespace agent_replay
