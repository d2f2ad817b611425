#pragma once
// `agent-replay serve`: the cassette proxy of one fixture, alone, so a
// developer can run the agent by hand (debugger, IDE) against it.
#include <agent_replay/cassette_proxy.hpp>
#include <agent_replay/fixture.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace agent_replay {

class ServeSession {
public:
    // Loads the fixture (throws FixtureError), materialises its state into
    // `workspace` and starts the proxy on 127.0.0.1:`port` (0 = ephemeral).
    ServeSession(const std::filesystem::path& fixture_dir, ProxyMode mode, int port,
                 const std::filesystem::path& workspace);

    std::string url() const { return proxy_->url(); }
    const std::filesystem::path& workspace() const { return workspace_; }

    // `export NAME=value` lines for the fixture's agent environment (templates
    // expanded) and the AGENT_REPLAY_* variables.
    std::vector<std::string> export_lines() const;

    // Stops the proxy and returns what it saw: {"trace": [...], "unrecorded": [...],
    // "unused_interactions": [...]}; in record and live mode it also writes the
    // fixture's tool_cassettes.json and names it as "cassette_written".
    Json finish();

private:
    Fixture fixture_;
    ProxyMode mode_;
    std::filesystem::path workspace_;
    std::unique_ptr<CassetteProxy> proxy_;
};

}  // namespace agent_replay
