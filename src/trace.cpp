#include <agent_replay/trace.hpp>

namespace agent_replay {

void to_json(nlohmann::json& out, const TraceEvent& event) {
    out = {{"seq", event.seq},       {"t_ms", event.t_ms},
           {"tool", event.tool},     {"method", event.method},
           {"path", event.path},     {"query", event.query},
           {"body_sha256", event.body_sha256},
           {"interaction_id", event.interaction_id ? nlohmann::json(*event.interaction_id) : nlohmann::json()},
           {"status", event.status}, {"latency_ms", event.latency_ms}};
    if (!event.fault.empty()) out["fault"] = event.fault;
    if (!event.host.empty()) out["host"] = event.host;
    if (!event.miss.is_null()) out["miss"] = event.miss;
    if (event.side_effect) out["side_effect"] = true;
    if (!event.call_key.empty()) out["call_key"] = event.call_key;
    if (!event.idempotency_key.empty()) out["idempotency_key"] = event.idempotency_key;
    if (event.tokens != 0) out["tokens"] = event.tokens;
}

void from_json(const nlohmann::json& in, TraceEvent& event) {
    event.seq = in.value("seq", std::size_t{0});
    event.t_ms = in.value("t_ms", 0.0);
    event.tool = in.value("tool", "");
    event.method = in.value("method", "");
    event.path = in.value("path", "");
    event.query = in.value("query", "");
    event.body_sha256 = in.value("body_sha256", "");
    if (in.contains("interaction_id") && in["interaction_id"].is_string()) {
        event.interaction_id = in["interaction_id"].get<std::string>();
    }
    event.status = in.value("status", 0);
    event.latency_ms = in.value("latency_ms", 0.0);
    event.fault = in.value("fault", "");
    event.host = in.value("host", "");
    event.miss = in.value("miss", nlohmann::json());
    event.side_effect = in.value("side_effect", false);
    event.call_key = in.value("call_key", "");
    event.idempotency_key = in.value("idempotency_key", "");
    event.tokens = in.value("tokens", std::int64_t{0});
}

}  // namespace agent_replay
