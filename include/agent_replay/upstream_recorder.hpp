#pragma once
// Record mode: forwards a request to the route's upstream (http or https) and
// turns the exchange into a redacted Interaction.
#include <agent_replay/cassette.hpp>
#include <agent_replay/fixture.hpp>

#include <httplib.h>

#include <string>
#include <vector>

namespace agent_replay {

struct UpstreamExchange {
    bool reached = false;  // false: the upstream could not be reached (error says why)
    std::string error;
    Interaction interaction;  // redacted, ready to write; id left empty
};

// Sends `req` (received under `route.prefix`) to `route.upstream` and fills
// `res` with the upstream's answer. Secrets (headers, key-like query
// parameters, `redact_json_paths`) never reach the returned interaction.
UpstreamExchange forward_to_upstream(const Route& route, const httplib::Request& req, httplib::Response& res,
                                     const std::vector<std::string>& redact_json_paths);

// Splits a text/event-stream body into events.
std::vector<SseEvent> parse_sse_stream(const std::string& body);

}  // namespace agent_replay
