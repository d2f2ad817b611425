#pragma once
// One normalised tool-call event per request the proxy saw (SPEC §3).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace agent_replay {

struct TraceEvent {
    std::size_t seq = 0;
    double t_ms = 0;  // since the proxy started
    std::string tool;
    std::string method;
    std::string path;
    std::string host;  // for requests that came through HTTP_PROXY (absolute-form), else ""
    std::string query;
    std::string body_sha256;
    std::optional<std::string> interaction_id;  // nullopt: unrecorded
    int status = 0;
    double latency_ms = 0;
    std::string fault;              // kind of the injected fault, "" if none
    bool side_effect = false;       // matched an interaction marked side_effect
    std::string call_key;           // digest of method, path, query and canonical body: equal calls, equal keys
    std::string idempotency_key;    // the request's Idempotency-Key header, if any
    std::int64_t tokens = 0;        // from the `usage` of the recorded response served
    nlohmann::json miss = nullptr;  // for unrecorded requests: closest interaction and differences
};

void to_json(nlohmann::json& out, const TraceEvent& event);
void from_json(const nlohmann::json& in, TraceEvent& event);

}  // namespace agent_replay
