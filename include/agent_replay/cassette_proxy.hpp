#pragma once
// The cassette proxy (SPEC §3): a real HTTP server on 127.0.0.1 with an
// ephemeral port that answers the agent from recorded interactions.
#include <agent_replay/cassette.hpp>
#include <agent_replay/cassette_matcher.hpp>
#include <agent_replay/fixture.hpp>
#include <agent_replay/trace.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace agent_replay {

// cassette: replay; strict: replay and stop at the first unrecorded request;
// record: forward everything to the routes' upstreams and record it;
// live: GET/HEAD and `refreshable` interactions go upstream and refresh the
// cassette, everything else is replayed (or blocked when not recorded).
enum class ProxyMode { cassette, strict, record, live };

std::string_view to_string(ProxyMode mode);
std::optional<ProxyMode> proxy_mode_from_string(std::string_view text);

// Status of the synthetic response to a request the cassettes do not hold.
inline constexpr int kUnrecordedStatus = 599;

class CassetteProxy {
public:
    CassetteProxy(const Cassette& cassette, std::vector<Route> routes, ProxyMode mode,
                  std::optional<std::uint64_t> run_seed = std::nullopt);
    ~CassetteProxy();
    CassetteProxy(const CassetteProxy&) = delete;
    CassetteProxy& operator=(const CassetteProxy&) = delete;

    // Binds 127.0.0.1:`port` (0 = an ephemeral port) and starts serving.
    // Throws std::runtime_error if it cannot.
    void start(int port = 0);
    void stop();

    // "http://127.0.0.1:<port>"
    std::string url() const;

    // Worker threads, one per open connection (a connection waits for a free
    // one). A replay's agent holds a few; `serve` and load tests hold dozens.
    void set_worker_threads(std::size_t count) { worker_threads_ = count; }

    // Called (from a server thread) on the first unrecorded request in strict mode.
    void on_strict_violation(std::function<void()> callback);

    // Record mode: JSON fields to redact in recorded bodies.
    void set_redact_json_paths(std::vector<std::string> pointers) { redact_json_paths_ = std::move(pointers); }
    // Record mode: what was recorded, with the original cassette's match rules.
    // Streams still open are not included: call after stop().
    Cassette recorded_cassette() const;
    // How many whole exchanges record or live mode captured (recorded or refreshed).
    std::size_t captured_exchanges() const;

    // Every request seen, in order; past the trace limit only unrecorded ones
    // are kept, up to twice the limit (dropped_events() counts the rest).
    std::vector<TraceEvent> trace() const;
    std::size_t dropped_events() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return dropped_events_;
    }
    void set_trace_limit(std::size_t events) { trace_limit_ = events; }
    std::vector<std::string> unused_interactions() const { return matcher_.unused_interactions(); }

private:
    std::string tool_for(const std::string& path, const Interaction* interaction) const;
    const Route* route_for(const std::string& path) const;
    // Numbers and stores the event; an unrecorded one in strict mode reports the violation.
    void append_trace(TraceEvent event);
    // Record mode; returns the id of the new interaction, or nullopt if the upstream was not reached.
    // With `refreshes` (live mode) the new exchange replaces that interaction.
    // `tokens` receives the fresh answer's usage once it is complete (at once
    // for a plain answer, later for a stream).
    std::optional<std::string> record(const httplib::Request& req, httplib::Response& res, const Interaction* refreshes,
                                      std::shared_ptr<std::atomic<std::int64_t>> tokens = nullptr);

    const Cassette& cassette_;
    std::vector<Route> routes_;
    ProxyMode mode_;
    CassetteMatcher matcher_;
    std::vector<std::int64_t> tokens_;  // per interaction: its response's usage
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
    std::size_t worker_threads_ = 32;
    std::atomic<bool> stopping_{false};
    std::chrono::steady_clock::time_point started_;
    mutable std::mutex mutex_;
    std::vector<TraceEvent> trace_;
    std::size_t dropped_events_ = 0;
    std::size_t trace_limit_ = 100000;
    std::function<void()> strict_violation_;
    bool violation_reported_ = false;
    std::vector<std::string> redact_json_paths_;
    std::vector<std::optional<Interaction>> recorded_;  // in request order; empty until complete
    std::set<std::string> recorded_ids_;
    std::map<std::string, Interaction> refreshed_;  // live mode: id -> fresh exchange
    std::map<std::string, int> recorded_per_tool_;
};

}  // namespace agent_replay
