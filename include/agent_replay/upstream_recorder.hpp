#pragma once
// Record and live modes: forwards a request to the route's upstream (http or
// https) and turns the exchange into a redacted Interaction.
#include <agent_replay/cassette.hpp>
#include <agent_replay/fixture.hpp>

#include <httplib.h>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace agent_replay {

struct UpstreamForward {
    bool reached = false;  // false: the upstream could not be reached (error says why)
    std::string error;
};

// Runs once the exchange is complete, with the redacted interaction (id left empty).
using ExchangeRecorded = std::function<void(Interaction)>;

// Sends `req` (received under `route.prefix`) to `route.upstream` and fills
// `res` with the upstream's answer. A plain answer is complete when this
// returns and `recorded` has run. A streamed answer (text/event-stream or
// chunked) is passed through to the client as it arrives; `recorded` runs when
// the stream ends, with each SSE event and the median gap between events as
// `chunk_delay_ms`. Only whole exchanges are recorded: an upstream that breaks
// off (its stream is broken off for the agent too), an agent that leaves
// early, or `*stopping` (the proxy shutting down) record nothing.
// Secrets (headers, key-like query parameters, `redact_json_paths`) never
// reach the recorded interaction. `recorded` is not called when the upstream
// was not reached.
UpstreamForward forward_to_upstream(const Route& route, const httplib::Request& req, httplib::Response& res,
                                    const std::vector<std::string>& redact_json_paths, ExchangeRecorded recorded,
                                    const std::atomic<bool>* stopping = nullptr);

}  // namespace agent_replay
