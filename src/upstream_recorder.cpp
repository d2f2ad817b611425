#include <agent_replay/redaction.hpp>
#include <agent_replay/upstream_recorder.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace agent_replay {
namespace {

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
    Json parsed = Json::parse(body, nullptr, false);
    if (parsed.is_discarded()) return body;
    redact_json_paths(parsed, pointers);
    return parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::vector<SseEvent> parse_sse_stream(const std::string& body) {
    std::vector<SseEvent> events;
    SseEvent current;
    bool has_data = false;
    std::size_t start = 0;
    while (start < body.size()) {
        std::size_t end = body.find('\n', start);
        if (end == std::string::npos) end = body.size();
        std::string line = body.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        start = end + 1;
        if (line.empty()) {
            if (has_data) events.push_back(current);
            current = SseEvent{};
            has_data = false;
            continue;
        }
        auto colon = line.find(':');
        std::string field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (field == "data") {
            current.data += (has_data ? "\n" : "") + value;
            has_data = true;
        } else if (field == "event") {
            current.event = value;
        } else if (field == "id") {
            current.id = value;
        }
    }
    if (has_data) events.push_back(current);
    return events;
}

UpstreamExchange forward_to_upstream(const Route& route, const httplib::Request& req, httplib::Response& res,
                                     const std::vector<std::string>& redact_json_paths) {
    UpstreamExchange exchange;
    std::size_t scheme_end = route.upstream.find("://");
    std::size_t path_start = route.upstream.find('/', scheme_end + 3);
    std::string origin = route.upstream.substr(0, path_start);
    std::string base_path = path_start == std::string::npos ? "" : route.upstream.substr(path_start);
    if (!base_path.empty() && base_path.back() == '/') base_path.pop_back();

    httplib::Client client(origin);
    client.set_connection_timeout(30, 0);
    client.set_read_timeout(300, 0);
    client.set_decompress(true);  // recordings store bodies decoded

    httplib::Request upstream;
    upstream.method = req.method;
    std::string rest = req.path.substr(std::min(route.prefix.size(), req.path.size()));
    std::size_t question = req.target.find('?');
    upstream.path = base_path + rest + (question == std::string::npos ? "" : req.target.substr(question));
    for (const auto& [name, value] : req.headers) {
        if (!is_hop_header(name) && ascii_lower(name) != "accept-encoding") upstream.headers.emplace(name, value);
    }
    upstream.body = req.body;

    httplib::Response answer;
    httplib::Error error = httplib::Error::Success;
    if (!client.send(upstream, answer, error)) {
        exchange.error = "upstream " + origin + " unreachable: " + httplib::to_string(error);
        return exchange;
    }
    exchange.reached = true;

    std::string content_type = answer.get_header_value("content-type");
    res.status = answer.status;
    for (const auto& [name, value] : answer.headers) {
        std::string key = ascii_lower(name);
        if (is_hop_header(key) || key == "content-encoding" || key == "content-type") continue;
        res.set_header(name, value);
    }
    res.set_content(answer.body, content_type.empty() ? "application/octet-stream" : content_type);

    Interaction& recorded = exchange.interaction;
    recorded.tool = route.tool;
    recorded.side_effect = req.method != "GET" && req.method != "HEAD" && req.method != "OPTIONS";
    recorded.request.method = req.method;
    recorded.request.path = req.path;
    // From the target, not req.params: cpp-httplib also puts form-encoded body fields there.
    if (question != std::string::npos) recorded.request.query = parse_query_string(req.target.substr(question + 1));
    redact_query(recorded.request.query);
    if (!req.body.empty()) recorded.request.body = redacted_body(req.body, redact_json_paths);
    recorded.response.status = answer.status;
    for (const auto& [name, value] : answer.headers) {
        std::string key = ascii_lower(name);
        if (is_hop_header(key) || key == "content-encoding") continue;
        recorded.response.headers.emplace_back(key, is_secret_header(key) ? std::string(kRedacted) : value);
    }
    if (content_type.rfind("text/event-stream", 0) == 0) {
        recorded.response.sse = parse_sse_stream(answer.body);
    } else {
        recorded.response.body = redacted_body(answer.body, redact_json_paths);
    }
    return exchange;
}

}  // namespace agent_replay
