#include <agent_replay/contract_checks.hpp>
#include <agent_replay/replay.hpp>
#include <agent_replay/report.hpp>
#include <agent_replay/serve_session.hpp>
#include <agent_replay/suite.hpp>
#include <agent_replay/templates.hpp>
#include <agent_replay/workspace.hpp>

namespace agent_replay {
namespace fs = std::filesystem;

ServeSession::ServeSession(const fs::path& fixture_dir, ProxyMode mode, int port, const fs::path& workspace)
    : fixture_(load_fixture(fs::absolute(fixture_dir).lexically_normal(), find_repo_root(fixture_dir),
                            mode == ProxyMode::record)),
      mode_(mode),
      workspace_(fs::absolute(workspace)) {
    materialise_workspace(workspace_, fixture_.input.state);
    proxy_ = std::make_unique<CassetteProxy>(fixture_.cassette, fixture_.input.routes, mode);
    proxy_->set_redact_json_paths(fixture_.input.redact_json_paths);
    proxy_->set_worker_threads(96);  // a developer's tools and load tests hold many connections
    proxy_->start(port);
}

std::vector<std::string> ServeSession::export_lines() const {
    TemplateValues values{{"proxy_url", url()},
                          {"workspace", workspace_.string()},
                          {"fixture_dir", fs::absolute(fixture_.dir).string()},
                          {"repo", find_repo_root(fixture_.dir).string()},
                          {"run_id", "serve"}};
    std::vector<std::string> lines;
    for (const auto& [name, value] : fixture_.input.agent.env) {
        lines.push_back("export " + name + "=" + shell_quote(expand_templates(value, values)));
    }
    lines.push_back("export AGENT_REPLAY_PROXY_URL=" + shell_quote(url()));
    lines.push_back("export AGENT_REPLAY_WORKSPACE=" + shell_quote(workspace_.string()));
    if (mode_ == ProxyMode::strict) {  // as a replay does: proxy-aware clients are intercepted too
        for (const char* name : {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"}) {
            lines.push_back("export " + std::string(name) + "=" + shell_quote(url()));
        }
    }
    lines.push_back("export NO_PROXY=127.0.0.1,localhost");
    return lines;
}

Json ServeSession::finish() {
    proxy_->stop();
    RunObservation run;
    run.trace = proxy_->trace();
    auto network = check_network(fixture_.expected, run);
    Json findings = {{"trace", run.trace},
                     {"unrecorded", network.empty() ? Json::array() : network[0].detail["requests"]},
                     {"unused_interactions", proxy_->unused_interactions()},
                     {"requests_not_kept", proxy_->dropped_events()}};
    if (mode_ == ProxyMode::record || mode_ == ProxyMode::live) {
        std::string written = save_captured_cassette(*proxy_, fixture_.dir);
        if (!written.empty()) findings["cassette_written"] = written;
    }
    return findings;
}

}  // namespace agent_replay
