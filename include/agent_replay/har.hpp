#pragma once
// HAR 1.2 (HTTP Archive) import and export, so recordings from browsers,
// mitmproxy or Polly.JS become cassettes, and cassettes can be inspected with
// the tools that read HAR. agent-replay's own fields (id, tool, side_effect,
// repeat) travel in each entry's "_agent_replay" object, which HAR allows.
#include <agent_replay/cassette.hpp>
#include <agent_replay/fixture.hpp>

#include <string>
#include <vector>

namespace agent_replay {

// A HAR 1.2 document with one entry per interaction, in order.
Json cassette_to_har(const Cassette& cassette);

// Builds a cassette from a HAR document. Entries without "_agent_replay" get
// ids "<tool>-<n>", the tool of the longest matching route (else "http"), and
// side_effect for mutating methods. Secrets are redacted as in record mode;
// request headers are not kept. Throws FixtureError naming the entry.
Cassette cassette_from_har(const JsonDocument& har, const std::vector<Route>& routes);

}  // namespace agent_replay
