#include <agent_replay/redaction.hpp>
#include <agent_replay/sse_parser.hpp>
#include <agent_replay/upstream_recorder.hpp>

#include <algorithm>
#include <atomic>
#include <array>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace agent_replay {
namespace {

using Clock = std::chrono::steady_clock;

// Larger answers are passed on but not recorded: a cassette is no place for
// them, and a stream that never ends must not grow without bound.
constexpr std::size_t kMaxRecordedBytes = 32u << 20;
// A stream waits for the agent to read once this much is unsent (backpressure).
constexpr std::size_t kMaxUnsentBytes = 8u << 20;

// Per-hop headers, and the pseudo headers cpp-httplib adds to requests.
bool is_hop_header(const std::string& name) {
    static constexpr std::array<std::string_view, 12> kHop{
        "host",        "content-length", "connection", "transfer-encoding", "keep-alive", "proxy-connection",
        "te",          "upgrade",        "remote_addr", "remote_port",      "local_addr", "local_port"};
    std::string key = ascii_lower(name);
    return std::find(kHop.begin(), kHop.end(), key) != kHop.end();
}

std::string redacted_body(const std::string& body, const std::vector<std::string>& pointers) {
    if (pointers.empty() || body.empty()) return body;
    Json parsed = parse_untrusted_json(body);
    if (parsed.is_discarded()) return body;
    redact_json_paths(parsed, pointers);
    return parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One upstream exchange, shared between the worker thread that talks to the
// upstream and the server thread that answers the agent.
struct Exchange {
    std::mutex mutex;
    std::condition_variable changed;
    bool headers_ready = false;
    bool finished = false;
    bool abandoned = false;  // the agent went away mid-stream
    bool failed = false;     // the upstream broke off (or timed out) after its headers
    std::string error;
    const std::atomic<bool>* stopping = nullptr;  // the proxy is shutting down
    int status = 0;
    httplib::Headers headers;
    std::deque<std::string> unsent;  // received, not yet passed to the agent
    std::string body;                // everything received, decoded
    SseStreamParser events;
    bool is_sse = false;
    bool streamed = false;     // passed to the agent as it arrives (SSE or chunked)
    bool too_large = false;    // over kMaxRecordedBytes: passed on, not recorded
    std::size_t received = 0;  // bytes of the answer so far
    std::size_t unsent_bytes = 0;

    std::unique_ptr<httplib::Client> client;
    std::thread worker;
    Interaction interaction;  // the request half is filled before forwarding
    std::vector<std::string> redact_json_paths;
    ExchangeRecorded recorded;

    // Completes the recording once the upstream is done (or given up on).
    void record() {
        Interaction out = std::move(interaction);
        out.response.status = status;
        for (const auto& [name, value] : headers) {
            std::string key = ascii_lower(name);
            if (is_hop_header(key) || key == "content-encoding") continue;
            out.response.headers.emplace_back(key, is_secret_header(key) ? std::string(kRedacted) : value);
        }
        if (is_sse) {
            events.finish();
            out.response.sse = events.events();
            out.response.chunk_delay_ms = events.median_gap_ms();
        } else {
            out.response.body = redacted_body(body, redact_json_paths);
        }
        if (recorded) recorded(std::move(out));
    }
};

// The upstream path for `req`: the route's base path plus what follows the prefix, with the query.
std::string upstream_target(const Route& route, const std::string& base_path, const httplib::Request& req) {
    std::string rest = req.path.substr(std::min(route.prefix.size(), req.path.size()));
    std::size_t question = req.target.find('?');
    return base_path + rest + (question == std::string::npos ? "" : req.target.substr(question));
}

// Waits (holding `lock`) until `ready()` or the proxy stops; false when it stopped.
template <typename Ready>
bool wait_unless_stopping(Exchange& exchange, std::unique_lock<std::mutex>& lock, Ready ready) {
    while (!ready()) {
        if (exchange.stopping && *exchange.stopping) return false;
        exchange.changed.wait_for(lock, std::chrono::milliseconds(100));
    }
    return true;
}

// Gives up on an exchange still in flight: the client's socket is shut down
// so the worker's send() returns, then the worker is joined.
void abandon(Exchange& exchange) {
    {
        std::lock_guard<std::mutex> lock(exchange.mutex);
        exchange.abandoned = !exchange.finished;
    }
    exchange.client->stop();
    if (exchange.worker.joinable()) exchange.worker.join();
}

void start_worker(const std::shared_ptr<Exchange>& exchange, httplib::Request upstream) {
    upstream.response_handler = [exchange](const httplib::Response& answer) {
        std::lock_guard<std::mutex> lock(exchange->mutex);
        exchange->status = answer.status;
        exchange->headers = answer.headers;
        exchange->is_sse = answer.get_header_value("content-type").rfind("text/event-stream", 0) == 0;
        exchange->streamed = exchange->is_sse ||
                             ascii_lower(answer.get_header_value("transfer-encoding")).find("chunked") != std::string::npos;
        exchange->headers_ready = true;
        exchange->changed.notify_all();
        return true;
    };
    upstream.content_receiver = [exchange](const char* data, size_t size, uint64_t, uint64_t) {
        std::unique_lock<std::mutex> lock(exchange->mutex);
        while (exchange->streamed && exchange->unsent_bytes > kMaxUnsentBytes && !exchange->abandoned &&
               !(exchange->stopping && *exchange->stopping)) {
            exchange->changed.wait_for(lock, std::chrono::milliseconds(100));
        }
        if (exchange->abandoned || (exchange->stopping && *exchange->stopping)) return false;
        exchange->received += size;
        exchange->too_large = exchange->too_large || exchange->received > kMaxRecordedBytes;
        if (exchange->streamed) {
            exchange->unsent.emplace_back(data, size);
            exchange->unsent_bytes += size;
        }
        // A plain answer is needed whole to pass it on; a stream only for the recording.
        if (!exchange->streamed || (!exchange->is_sse && !exchange->too_large)) exchange->body.append(data, size);
        if (exchange->is_sse && !exchange->too_large) exchange->events.feed(std::string_view(data, size));
        exchange->changed.notify_all();
        return true;
    };
    exchange->worker = std::thread([exchange, upstream = std::move(upstream)]() mutable {
        httplib::Response answer;
        httplib::Error error = httplib::Error::Success;
        bool ok = exchange->client->send(upstream, answer, error);
        std::lock_guard<std::mutex> lock(exchange->mutex);
        if (!ok) {
            exchange->error = httplib::to_string(error);
            exchange->failed = exchange->headers_ready;
        }
        exchange->finished = true;
        exchange->changed.notify_all();
    });
}

// Passes the stream to the agent batch by batch, as it arrives.
void stream_to_agent(const std::shared_ptr<Exchange>& exchange, const std::string& content_type, httplib::Response& res) {
    res.set_chunked_content_provider(
        content_type,
        [exchange](size_t, httplib::DataSink& sink) {
            std::deque<std::string> batch;
            bool finished = false, failed = false;
            {
                std::unique_lock<std::mutex> lock(exchange->mutex);
                if (exchange->stopping && *exchange->stopping) return false;
                // Bounded waits: the server loop checks for shutdown between calls.
                exchange->changed.wait_for(lock, std::chrono::milliseconds(100),
                                           [&] { return !exchange->unsent.empty() || exchange->finished; });
                batch.swap(exchange->unsent);
                exchange->unsent_bytes = 0;
                exchange->changed.notify_all();  // the upstream side may be waiting for room
                finished = exchange->finished;
                failed = exchange->failed;
            }
            for (const auto& chunk : batch) {
                if (!sink.write(chunk.data(), chunk.size())) return false;
            }
            if (failed) return false;  // the upstream broke off: so does the stream the agent reads
            if (finished) sink.done();
            return true;
        },
        [exchange](bool) {
            abandon(*exchange);
            // Only a whole exchange is a recording: a stream cut short by the
            // upstream, the agent or the proxy stopping would replay as complete.
            if (!exchange->abandoned && !exchange->failed && !exchange->too_large) exchange->record();
        });
}

}  // namespace

UpstreamForward forward_to_upstream(const Route& route, const httplib::Request& req, httplib::Response& res,
                                    const std::vector<std::string>& redact_json_paths, ExchangeRecorded recorded,
                                    const std::atomic<bool>* stopping) {
    std::size_t scheme_end = route.upstream.find("://");
    std::size_t path_start = route.upstream.find('/', scheme_end + 3);
    std::string origin = route.upstream.substr(0, path_start);
    std::string base_path = path_start == std::string::npos ? "" : route.upstream.substr(path_start);
    if (!base_path.empty() && base_path.back() == '/') base_path.pop_back();

    auto exchange = std::make_shared<Exchange>();
    exchange->client = std::make_unique<httplib::Client>(origin);
    exchange->client->set_connection_timeout(30, 0);
    exchange->client->set_read_timeout(300, 0);
    exchange->client->set_decompress(true);  // recordings store bodies decoded
    exchange->redact_json_paths = redact_json_paths;
    exchange->recorded = std::move(recorded);
    exchange->stopping = stopping;

    Interaction& out = exchange->interaction;
    out.tool = route.tool;
    out.side_effect = req.method != "GET" && req.method != "HEAD" && req.method != "OPTIONS";
    out.request.method = req.method;
    out.request.path = req.path;
    // From the target, not req.params: cpp-httplib also puts form-encoded body fields there.
    std::size_t question = req.target.find('?');
    if (question != std::string::npos) out.request.query = parse_query_string(req.target.substr(question + 1));
    redact_query(out.request.query);
    if (!req.body.empty()) out.request.body = redacted_body(req.body, redact_json_paths);

    httplib::Request upstream;
    upstream.method = req.method;
    upstream.path = upstream_target(route, base_path, req);
    for (const auto& [name, value] : req.headers) {
        if (!is_hop_header(name) && ascii_lower(name) != "accept-encoding") upstream.headers.emplace(name, value);
    }
    upstream.body = req.body;
    start_worker(exchange, std::move(upstream));

    std::unique_lock<std::mutex> lock(exchange->mutex);
    bool answered = wait_unless_stopping(*exchange, lock, [&] { return exchange->headers_ready || exchange->finished; });
    if (!answered || !exchange->headers_ready) {
        std::string error = answered ? exchange->error : "the proxy is stopping";
        lock.unlock();
        abandon(*exchange);
        return {false, "upstream " + origin + " unreachable: " + error};
    }
    res.status = exchange->status;
    std::string content_type = "application/octet-stream";
    for (const auto& [name, value] : exchange->headers) {
        std::string key = ascii_lower(name);
        if (key == "content-type") content_type = value;
        if (is_hop_header(key) || key == "content-encoding" || key == "content-type") continue;
        res.set_header(name, value);
    }
    if (exchange->streamed) {
        lock.unlock();
        stream_to_agent(exchange, content_type, res);
        return {true, ""};
    }
    bool complete = wait_unless_stopping(*exchange, lock, [&] { return exchange->finished; });
    std::string body = std::move(exchange->body);
    bool failed = exchange->failed;
    std::string error = exchange->error;
    lock.unlock();
    abandon(*exchange);
    if (!complete || failed) {
        res.headers.clear();
        return {false, "upstream " + origin + " broke off its answer: " + (complete ? error : "the proxy is stopping")};
    }
    res.set_content(body, content_type);
    if (!exchange->too_large) {
        exchange->body = std::move(body);
        exchange->record();
    }
    return {true, ""};
}

}  // namespace agent_replay
