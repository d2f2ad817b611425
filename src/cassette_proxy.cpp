#include <agent_replay/cassette_proxy.hpp>
#include <agent_replay/digest.hpp>
#include <agent_replay/redaction.hpp>
#include <agent_replay/upstream_recorder.hpp>
#include <agent_replay/usage.hpp>

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <stdexcept>

namespace agent_replay {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxRequestBodyBytes = 32u << 20;

// Set by the handler, read by the logger that cpp-httplib runs right after it
// on the same worker thread.
thread_local bool handled_by_us = false;

double ms_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

// Headers that describe the recorded transfer, not the content: the server
// sets its own, and recorded bodies are stored decoded.
bool is_transfer_header(const std::string& header) {
    std::string name = ascii_lower(header);
    return name == "content-length" || name == "transfer-encoding" || name == "content-encoding" ||
           name == "connection" || name == "content-type" || name == "keep-alive";
}

std::string content_type_of(const RecordedResponse& response) {
    for (const auto& [name, value] : response.headers) {
        if (ascii_lower(name) == "content-type") return value;
    }
    return response.sse.empty() ? "application/octet-stream" : "text/event-stream";
}

void serve_recorded(const RecordedResponse& recorded, httplib::Response& res) {
    res.status = recorded.status;
    for (const auto& [name, value] : recorded.headers) {
        if (!is_transfer_header(name)) res.set_header(name, value);
    }
    std::string content_type = content_type_of(recorded);
    if (recorded.sse.empty()) {
        res.set_content(recorded.body, content_type);
        return;
    }
    auto events = std::make_shared<std::vector<SseEvent>>(recorded.sse);
    int delay_ms = recorded.chunk_delay_ms;
    res.set_chunked_content_provider(content_type, [events, delay_ms](size_t offset, httplib::DataSink& sink) {
        // The whole stream is written in one call, event by event with the recorded pacing.
        (void)offset;
        for (std::size_t i = 0; i < events->size(); ++i) {
            if (i > 0 && delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
            std::string chunk = encode_sse_event((*events)[i]);
            if (!sink.write(chunk.data(), chunk.size())) return false;
        }
        sink.done();
        return true;
    });
}

// cpp-httplib exposes no sockets; find one of ours by its local port and,
// for a connection, the peer's port (-1: the listening socket).
int find_socket(int local_port, int remote_port) {
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        int fd = std::atoi(entry.path().filename().c_str());
        sockaddr_storage local{}, peer{};
        socklen_t local_size = sizeof local, peer_size = sizeof peer;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0) continue;
        if (local.ss_family != AF_INET || ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port) != local_port) continue;
        if (remote_port < 0) {
            int listening = 0;
            socklen_t size = sizeof listening;
            if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0 && listening) return fd;
            continue;
        }
        if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0 || peer.ss_family != AF_INET) continue;
        if (ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port) == remote_port) return fd;
    }
    return -1;
}

// Shuts the connection down with a zero linger so the client sees a reset, not a reply.
void reset_connection(int local_port, int remote_port) {
    int fd = find_socket(local_port, remote_port);
    if (fd < 0) return;
    linger abort_on_close{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    shutdown(fd, SHUT_RDWR);
}

// Debian's compiled cpp-httplib listens with a backlog of 5: a burst of new
// connections (64 clients at once) overflows it and stalls for seconds.
void widen_listen_backlog(int port) {
    int fd = find_socket(port, -1);
    if (fd >= 0) listen(fd, SOMAXCONN);
}

// A client that uses us as its HTTP_PROXY sends absolute-form targets
// ("http://api.example.com/v1/x"); cassettes record origin-form paths ("/v1/x").
std::string origin_form_path(const std::string& path) {
    if (path.rfind("http://", 0) != 0) return path;
    std::size_t slash = path.find('/', 7);
    return slash == std::string::npos ? "/" : path.substr(slash);
}

// Serves the first half of the recorded response, then drops the connection.
void serve_truncated(const RecordedResponse& recorded, httplib::Response& res) {
    res.status = recorded.status;
    std::string content_type = content_type_of(recorded);
    if (!recorded.sse.empty()) {
        auto events = std::make_shared<std::vector<SseEvent>>(recorded.sse);
        res.set_chunked_content_provider(content_type, [events](size_t, httplib::DataSink& sink) {
            std::size_t half = std::max<std::size_t>(1, events->size() / 2);
            for (std::size_t i = 0; i < half && i < events->size(); ++i) {
                std::string chunk = encode_sse_event((*events)[i]);
                sink.write(chunk.data(), chunk.size());
            }
            return false;  // abort: the stream ends without its last events
        });
        return;
    }
    auto body = std::make_shared<std::string>(recorded.body);
    res.set_content_provider(body->size(), content_type, [body](size_t offset, size_t, httplib::DataSink& sink) {
        std::size_t half = body->size() / 2;
        if (offset < half) sink.write(body->data() + offset, half - offset);
        return false;  // fewer bytes than Content-Length promised
    });
}

void serve_fault(const Fault& fault, const RecordedResponse& recorded, const httplib::Request& req,
                 httplib::Response& res) {
    switch (fault.kind) {
        case FaultKind::status: {
            res.status = fault.status;
            std::string content_type = "application/json";
            for (const auto& [name, value] : fault.headers) {
                if (ascii_lower(name) == "content-type") content_type = value;
                else res.set_header(name, value);
            }
            std::string body = !fault.body.empty() ? fault.body
                                                   : Json{{"error", {{"type", "injected_fault"},
                                                                     {"message", "agent-replay injected HTTP " +
                                                                                     std::to_string(fault.status)}}}}
                                                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            res.set_content(body, content_type);
            return;
        }
        case FaultKind::delay:
            std::this_thread::sleep_for(std::chrono::milliseconds(fault.delay_ms));
            serve_recorded(recorded, res);
            return;
        case FaultKind::reset:
            reset_connection(req.local_port, req.remote_port);
            res.status = 500;
            return;
        case FaultKind::malformed:
            res.status = recorded.status;
            // An unterminated JSON object: invalid whatever the recorded body was.
            res.set_content("{\"agent_replay_malformed\": " + recorded.body.substr(0, recorded.body.size() / 2),
                            content_type_of(recorded));
            return;
        case FaultKind::truncate:
            serve_truncated(recorded, res);
            return;
    }
}

}  // namespace

std::string_view to_string(ProxyMode mode) {
    switch (mode) {
        case ProxyMode::cassette: return "cassette";
        case ProxyMode::strict: return "strict";
        case ProxyMode::record: return "record";
        case ProxyMode::live: return "live";
    }
    return "cassette";
}

std::optional<ProxyMode> proxy_mode_from_string(std::string_view text) {
    if (text == "cassette") return ProxyMode::cassette;
    if (text == "strict") return ProxyMode::strict;
    if (text == "record") return ProxyMode::record;
    if (text == "live") return ProxyMode::live;
    return std::nullopt;
}

CassetteProxy::CassetteProxy(const Cassette& cassette, std::vector<Route> routes, ProxyMode mode,
                             std::optional<std::uint64_t> run_seed)
    : cassette_(cassette), routes_(std::move(routes)), mode_(mode), matcher_(cassette, routes_, run_seed) {
    for (const auto& interaction : cassette_.interactions) tokens_.push_back(usage_tokens(interaction.response));
}

CassetteProxy::~CassetteProxy() { stop(); }

void CassetteProxy::on_strict_violation(std::function<void()> callback) {
    std::lock_guard<std::mutex> lock(mutex_);
    strict_violation_ = std::move(callback);
}

const Route* CassetteProxy::route_for(const std::string& path) const { return find_route(routes_, path); }

std::string CassetteProxy::tool_for(const std::string& path, const Interaction* interaction) const {
    if (interaction && !interaction->tool.empty()) return interaction->tool;
    const Route* route = route_for(path);
    return route ? route->tool : "";
}

std::optional<std::string> CassetteProxy::record(const httplib::Request& req, httplib::Response& res,
                                                 const Interaction* refreshes,
                                                 std::shared_ptr<std::atomic<std::int64_t>> tokens) {
    const Route* route = route_for(req.path);
    if (!route || route->upstream.empty()) {
        res.status = 502;
        res.set_content(Json{{"error", "no_upstream"},
                             {"message", "agent-replay record: no route with an upstream covers " + req.path}}
                            .dump(2, ' ', false, nlohmann::json::error_handler_t::replace),
                        "application/json");
        return std::nullopt;
    }
    // The id is taken now, in request order; the interaction itself arrives when
    // the exchange completes, which for a stream is after this handler returns.
    std::string id;
    std::size_t slot = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (refreshes) {
            id = refreshes->id;
        } else {
            std::string tool = route->tool.empty() ? "request" : route->tool;
            auto taken = [&](const std::string& candidate) {
                return std::any_of(cassette_.interactions.begin(), cassette_.interactions.end(),
                                   [&](const Interaction& i) { return i.id == candidate; }) ||
                       recorded_ids_.count(candidate) > 0;
            };
            do {
                id = tool + "-" + std::to_string(++recorded_per_tool_[tool]);
            } while (taken(id));
            recorded_ids_.insert(id);
            slot = recorded_.size();
            recorded_.emplace_back();
        }
    }
    std::optional<Interaction> identity;  // live mode: the recording keeps its identity, only the exchange is new
    if (refreshes) identity = *refreshes;
    auto store = [this, id, slot, identity, tokens](Interaction fresh) {
        if (tokens) *tokens = usage_tokens(fresh.response);
        std::lock_guard<std::mutex> lock(mutex_);
        fresh.id = id;
        if (identity) {
            fresh.tool = identity->tool;
            fresh.side_effect = identity->side_effect;
            fresh.refreshable = identity->refreshable;
            fresh.repeat = identity->repeat;
            fresh.fault = identity->fault;
            refreshed_[id] = std::move(fresh);
        } else {
            recorded_[slot] = std::move(fresh);
        }
    };
    UpstreamForward forward = forward_to_upstream(*route, req, res, redact_json_paths_, store, &stopping_);
    if (!forward.reached) {
        res.status = 502;
        res.set_content(Json{{"error", "upstream_unreachable"}, {"message", forward.error}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
        return std::nullopt;
    }
    return id;
}

std::size_t CassetteProxy::captured_exchanges() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return refreshed_.size() +
           static_cast<std::size_t>(std::count_if(recorded_.begin(), recorded_.end(), [](const auto& slot) { return slot.has_value(); }));
}

Cassette CassetteProxy::recorded_cassette() const {
    std::lock_guard<std::mutex> lock(mutex_);
    Cassette out;
    out.match = cassette_.match;
    for (const auto& pointer : redact_json_paths_) {
        if (std::find(out.match.redact_json_paths.begin(), out.match.redact_json_paths.end(), pointer) ==
            out.match.redact_json_paths.end()) {
            out.match.redact_json_paths.push_back(pointer);
        }
    }
    if (mode_ == ProxyMode::live) {
        for (const auto& interaction : cassette_.interactions) {
            auto refreshed = refreshed_.find(interaction.id);
            out.interactions.push_back(refreshed != refreshed_.end() ? refreshed->second : interaction);
        }
    }
    for (const auto& recorded : recorded_) {
        if (recorded) out.interactions.push_back(*recorded);  // empty: the upstream was not reached
    }
    return out;
}

void CassetteProxy::start(int port) {
    server_ = std::make_unique<httplib::Server>();
    // Without TCP_NODELAY every keep-alive response waits ~40 ms for a delayed ACK.
    server_->set_tcp_nodelay(true);
    server_->set_keep_alive_max_count(10000);
    // One worker per open keep-alive connection: agents (and load tests) hold
    // dozens at once, and a connection without a worker waits for a free one.
    server_->new_task_queue = [workers = worker_threads_] { return new httplib::ThreadPool(workers); };
    server_->set_payload_max_length(kMaxRequestBodyBytes);  // larger bodies get 413
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
        handled_by_us = true;
        Clock::time_point arrived = Clock::now();
        IncomingRequest request;
        request.method = req.method;
        request.path = origin_form_path(req.path);
        // From the target, not req.params: cpp-httplib also puts form-encoded body fields there.
        std::size_t question = req.target.find('?');
        std::string raw_query = question == std::string::npos ? "" : req.target.substr(question + 1);
        request.query = parse_query_string(raw_query);
        for (const auto& [name, value] : req.headers) request.headers[ascii_lower(name)] = value;
        request.body = req.body;

        MatchResult result;
        std::optional<std::string> recorded_id;
        // Usage of an answer fetched upstream (record, live); streams report it after this handler.
        std::shared_ptr<std::atomic<std::int64_t>> fresh_tokens;
        if (mode_ == ProxyMode::record || mode_ == ProxyMode::live) fresh_tokens = std::make_shared<std::atomic<std::int64_t>>(0);
        bool safe = req.method == "GET" || req.method == "HEAD";
        if (mode_ == ProxyMode::record) {
            recorded_id = record(req, res, nullptr, fresh_tokens);
            if (!recorded_id) result.miss = {{"closest", nullptr}, {"differences", Json::array()}};
        } else {
            result = matcher_.match(request);
            bool refresh = mode_ == ProxyMode::live &&
                           (safe || (result.interaction && result.interaction->refreshable));
            if (refresh) {
                // Live: ask the upstream and refresh the recording; replay it if the upstream is down.
                recorded_id = record(req, res, result.interaction, fresh_tokens);
                if (!recorded_id && result.interaction) serve_recorded(result.interaction->response, res);
                if (recorded_id) result.miss = nullptr;
                result.fault = nullptr;
            } else if (result.fault) {
                serve_fault(*result.fault, result.interaction->response, req, res);
            } else if (result.interaction) {
                serve_recorded(result.interaction->response, res);
            } else {
                Json body = {{"error", "unrecorded_request"},
                             {"message", "agent-replay: no recorded interaction matches " + req.method + " " + req.path},
                             {"mode", std::string(to_string(mode_))},
                             {"closest", result.miss["closest"]},
                             {"differences", result.miss["differences"]}};
                res.status = kUnrecordedStatus;
                res.set_content(body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
            }
        }

        TraceEvent event;
        event.t_ms = ms_between(started_, arrived);
        event.tool = tool_for(request.path, result.interaction);
        event.method = req.method;
        event.path = request.path;
        if (request.path != req.path) event.host = req.path.substr(7, req.path.find('/', 7) - 7);
        event.query = redact_query_string(raw_query);
        event.body_sha256 = sha256_hex(req.body);
        if (result.interaction) {
            event.interaction_id = result.interaction->id;
            event.side_effect = result.interaction->side_effect;
            // Tokens count when the recorded answer was served (late or cut short included).
            bool served = !result.fault || result.fault->kind == FaultKind::delay || result.fault->kind == FaultKind::truncate;
            if (served && !recorded_id) {
                event.tokens = tokens_[static_cast<std::size_t>(result.interaction - cassette_.interactions.data())];
            }
        }
        if (!result.interaction && result.miss.is_object() && result.miss["closest"].is_string()) {
            // The same request again after its recording was spent: the trace says
            // whether that recording is a side effect (which then ran twice).
            const Json& differences = result.miss["differences"];
            if (differences.size() == 1 && differences[0].value("field", "") == "repeat") {
                for (const auto& interaction : cassette_.interactions) {
                    if (interaction.id == result.miss["closest"]) event.side_effect = interaction.side_effect;
                }
            }
        }
        if (recorded_id && fresh_tokens) event.tokens = *fresh_tokens;
        // Record mode matches nothing: its call is put in canonical form here.
        event.call_key = sha256_hex(!result.canonical_call.empty() ? result.canonical_call : matcher_.canonical_call(request));
        event.idempotency_key = req.get_header_value("Idempotency-Key");
        if (recorded_id) event.interaction_id = recorded_id;
        event.status = res.status;
        event.latency_ms = ms_between(arrived, Clock::now());
        event.miss = result.miss;
        if (result.fault) event.fault = std::string(to_string(result.fault->kind));

        append_trace(std::move(event));
    };
    // Requests cpp-httplib answers itself (CONNECT for HTTPS through a proxy,
    // unknown methods, unparsable request lines, bodies over the limit) never
    // reach a handler; the logger still sees them, so they are traced as
    // unrecorded too.
    server_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
        if (handled_by_us) {  // the handler traced it already
            handled_by_us = false;
            return;
        }
        TraceEvent event;
        event.t_ms = ms_between(started_, Clock::now());
        event.tool = tool_for(req.path, nullptr);
        event.method = req.method.empty() ? "?" : req.method;
        event.path = req.target.empty() ? req.path : req.target;
        event.body_sha256 = sha256_hex(req.body);
        event.status = res.status;
        event.miss = {{"closest", nullptr},
                      {"differences", Json::array({{{"field", "request"}, {"received", event.method},
                                                    {"note", "refused by the HTTP server (status " +
                                                                 std::to_string(res.status) + ")"}}})}};
        append_trace(std::move(event));
    });
    // cpp-httplib answers a header line over 8 KiB with a plain 400. Malformed
    // header lines are skipped, not refused, so a 400 for a parsed request
    // line that announced no body means the headers were too large: say 431.
    // (The path is the last thing set when the request line parses.)
    server_->set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        bool odd_target = std::count(req.target.begin(), req.target.end(), '?') > 1;  // refused for that, not headers
        if (handled_by_us || res.status != 400 || req.path.empty() || odd_target || req.has_header("Content-Length") ||
            req.has_header("Transfer-Encoding")) {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        res.status = 431;
        res.set_content(Json{{"error", "request_header_fields_too_large"},
                             {"message", "agent-replay: a request header line is longer than 8 KiB"}}
                            .dump(),
                        "application/json");
        return httplib::Server::HandlerResponse::Handled;
    }));
    const std::string any = ".*";
    server_->Get(any, handler);
    server_->Post(any, handler);
    server_->Put(any, handler);
    server_->Patch(any, handler);
    server_->Delete(any, handler);
    server_->Options(any, handler);

    if (port > 0) {
        if (!server_->bind_to_port("127.0.0.1", port)) {
            throw std::runtime_error("cassette proxy: cannot bind 127.0.0.1:" + std::to_string(port) + " (in use?)");
        }
        port_ = port;
    } else {
        port_ = server_->bind_to_any_port("127.0.0.1");
        if (port_ <= 0) throw std::runtime_error("cassette proxy: cannot bind 127.0.0.1 on an ephemeral port");
    }
    widen_listen_backlog(port_);
    started_ = Clock::now();
    auto listen_error = std::make_shared<std::string>();
    auto listen_failed = std::make_shared<std::atomic<bool>>(false);
    thread_ = std::thread([this, listen_error, listen_failed] {
        // Starting the worker pool can fail (a thread limit): that is this
        // replay's harness error, not a reason to terminate the process.
        try {
            server_->listen_after_bind();
        } catch (const std::exception& error) {
            *listen_error = error.what();
            *listen_failed = true;
        }
    });
    // Connections already queue in the kernel, but stop() only works once the
    // accept loop runs: wait for it, so an early stop() cannot be lost.
    for (int i = 0; i < 5000 && !server_->is_running() && !*listen_failed; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!server_->is_running()) {
        server_->stop();
        if (thread_.joinable()) thread_.join();
        throw std::runtime_error("cassette proxy: the server did not start listening" +
                                 (*listen_failed ? ": " + *listen_error : std::string()));
    }
}

void CassetteProxy::append_trace(TraceEvent event) {
    bool unrecorded = !event.interaction_id.has_value();
    std::function<void()> violation;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        event.seq = trace_.size() + dropped_events_;
        // A long `serve` under load must not grow without bound: past the cap
        // only unrecorded requests (the findings) are kept, up to a second cap.
        bool full = trace_.size() >= trace_limit_ && (!unrecorded || trace_.size() >= 2 * trace_limit_);
        if (full) ++dropped_events_;
        else trace_.push_back(std::move(event));
        if (unrecorded && mode_ == ProxyMode::strict && !violation_reported_) {
            violation_reported_ = true;
            violation = strict_violation_;
        }
    }
    if (violation) violation();
}

void CassetteProxy::stop() {
    stopping_ = true;  // upstream exchanges still waiting give up
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
}

std::string CassetteProxy::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<TraceEvent> CassetteProxy::trace() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<TraceEvent> copy = trace_;
    std::sort(copy.begin(), copy.end(), [](const TraceEvent& a, const TraceEvent& b) { return a.seq < b.seq; });
    return copy;
}

}  // namespace agent_replay
