#include <agent_replay/digest.hpp>
#include <agent_replay/har.hpp>
#include <agent_replay/json_object_reader.hpp>
#include <agent_replay/redaction.hpp>
#include <agent_replay/sse_parser.hpp>

#include <algorithm>
#include <cctype>

namespace agent_replay {
namespace {

// Recorded requests have no host; exported URLs get this reserved one.
constexpr const char* kExportOrigin = "http://agent-replay.invalid";

std::string percent_encode(const std::string& text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

std::string sse_text(const std::vector<SseEvent>& events) {
    std::string out;
    for (const auto& event : events) out += encode_sse_event(event);
    return out;
}

bool is_utf8_text(const std::string& body) {
    try {
        (void)Json(body).dump();
        return true;
    } catch (const nlohmann::json::exception&) {
        return false;
    }
}

Json content_of(const RecordedResponse& response) {
    std::string mime = "application/octet-stream";
    for (const auto& [name, value] : response.headers) {
        if (ascii_lower(name) == "content-type") mime = value;
    }
    std::string body = response.sse.empty() ? response.body : sse_text(response.sse);
    if (!response.sse.empty()) mime = "text/event-stream";
    Json content = {{"size", body.size()}, {"mimeType", mime}};
    if (is_utf8_text(body)) {
        content["text"] = body;
    } else {
        content["text"] = base64_encode(body);
        content["encoding"] = "base64";
    }
    return content;
}

}  // namespace

Json cassette_to_har(const Cassette& cassette) {
    Json entries = Json::array();
    for (const auto& interaction : cassette.interactions) {
        const RecordedRequest& request = interaction.request;
        std::string query_text;
        Json query = Json::array();
        for (const auto& [name, value] : request.query) {
            query_text += (query_text.empty() ? "?" : "&") + percent_encode(name) + "=" + percent_encode(value);
            query.push_back({{"name", name}, {"value", value}});
        }
        Json headers = Json::array();
        for (const auto& [name, value] : request.headers) headers.push_back({{"name", name}, {"value", value}});
        Json har_request = {{"method", request.method}, {"url", kExportOrigin + request.path + query_text},
                            {"httpVersion", "HTTP/1.1"}, {"cookies", Json::array()}, {"headers", headers},
                            {"queryString", query}, {"headersSize", -1}, {"bodySize", request.body ? request.body->size() : 0}};
        if (request.body) {
            Json parsed = parse_untrusted_json(*request.body);
            har_request["postData"] = {{"mimeType", parsed.is_discarded() ? "text/plain" : "application/json"},
                                       {"text", *request.body}};
        }
        Json response_headers = Json::array();
        for (const auto& [name, value] : interaction.response.headers) {
            response_headers.push_back({{"name", name}, {"value", value}});
        }
        Json har_response = {{"status", interaction.response.status}, {"statusText", ""}, {"httpVersion", "HTTP/1.1"},
                             {"cookies", Json::array()}, {"headers", response_headers},
                             {"content", content_of(interaction.response)}, {"redirectURL", ""},
                             {"headersSize", -1}, {"bodySize", -1}};
        Json own = {{"id", interaction.id}, {"tool", interaction.tool}, {"side_effect", interaction.side_effect},
                    {"repeat", interaction.repeat ? Json(*interaction.repeat) : Json("any")}};
        if (interaction.response.chunk_delay_ms > 0) own["chunk_delay_ms"] = interaction.response.chunk_delay_ms;
        if (interaction.fault) own["fault"] = fault_to_json(*interaction.fault);
        entries.push_back({{"startedDateTime", "1970-01-01T00:00:00.000Z"}, {"time", 0}, {"request", har_request},
                           {"response", har_response}, {"cache", Json::object()},
                           {"timings", {{"send", 0}, {"wait", 0}, {"receive", 0}}}, {"_agent_replay", own}});
    }
    return {{"log", {{"version", "1.2"}, {"creator", {{"name", "agent-replay"}, {"version", "0.1.0"}}}, {"entries", entries}}}};
}

Cassette cassette_from_har(const JsonDocument& har, const std::vector<Route>& routes) {
    const Json& root = har.root();
    if (!root.is_object() || !root.contains("log") || !root["log"].is_object() || !root["log"].contains("entries") ||
        !root["log"]["entries"].is_array()) {
        throw har.error_at("", "not a HAR file: expected {\"log\": {\"entries\": [...]}}");
    }
    Cassette cassette;
    std::map<std::string, int> per_tool;
    const Json& entries = root["log"]["entries"];
    for (std::size_t i = 0; i < entries.size(); ++i) {
        std::string pointer = "/log/entries/" + std::to_string(i);
        const Json& entry = entries[i];
        try {
            const Json& request = entry.at("request");
            const Json& response = entry.at("response");
            Interaction interaction;
            interaction.request.method = request.at("method").get<std::string>();
            std::string url = request.at("url").get<std::string>();
            std::size_t scheme = url.find("://");
            std::size_t path_start = scheme == std::string::npos ? 0 : url.find('/', scheme + 3);
            std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
            interaction.request.path = path.substr(0, path.find('?'));
            if (request.contains("queryString")) {
                for (const auto& item : request["queryString"]) {
                    interaction.request.query.emplace_back(item.at("name").get<std::string>(), item.at("value").get<std::string>());
                }
            } else if (path.find('?') != std::string::npos) {
                interaction.request.query = parse_query_string(path.substr(path.find('?') + 1));
            }
            redact_query(interaction.request.query);
            if (request.contains("postData") && request["postData"].contains("text")) {
                interaction.request.body = request["postData"]["text"].get<std::string>();
            }
            interaction.response.status = response.at("status").get<int>();
            std::string mime;
            for (const auto& header : response.value("headers", Json::array())) {
                std::string name = ascii_lower(header.at("name").get<std::string>());
                if (name == "content-length" || name == "content-encoding" || name == "transfer-encoding" ||
                    name == "connection" || name == "keep-alive") {
                    continue;
                }
                if (name == "content-type") mime = header.at("value").get<std::string>();
                interaction.response.headers.emplace_back(
                    name, is_secret_header(name) ? std::string(kRedacted) : header.at("value").get<std::string>());
            }
            const Json& content = response.value("content", Json::object());
            std::string text = content.value("text", "");
            if (content.value("encoding", "") == "base64") {
                auto decoded = base64_decode(text);
                if (!decoded) throw har.error_at(pointer + "/response/content/text", "content.text is not valid base64");
                text = *decoded;
            }
            if (content.value("mimeType", mime).rfind("text/event-stream", 0) == 0) {
                interaction.response.sse = parse_sse_stream(text);
            } else {
                interaction.response.body = text;
            }
            const Json own = entry.value("_agent_replay", Json::object());
            const Route* route = find_route(routes, interaction.request.path);
            interaction.tool = own.value("tool", route ? route->tool : "http");
            interaction.side_effect = own.value("side_effect", interaction.request.method != "GET" &&
                                                                   interaction.request.method != "HEAD" &&
                                                                   interaction.request.method != "OPTIONS");
            if (own.contains("repeat")) {
                if (own["repeat"] == "any") interaction.repeat = std::nullopt;
                else interaction.repeat = own["repeat"].get<int>();
            }
            interaction.response.chunk_delay_ms = own.value("chunk_delay_ms", 0);
            if (own.contains("fault")) interaction.fault = parse_fault(har, pointer + "/_agent_replay/fault");
            std::string tool = interaction.tool.empty() ? "http" : interaction.tool;
            int number = ++per_tool[tool];
            interaction.id = own.value("id", tool + "-" + std::to_string(number));
            cassette.interactions.push_back(std::move(interaction));
        } catch (const nlohmann::json::exception& error) {
            std::string what = error.what();
            throw har.error_at(pointer, "HAR entry " + std::to_string(i) + ": " + what.substr(what.find(']') + 2));
        }
    }
    return cassette;
}

}  // namespace agent_replay
