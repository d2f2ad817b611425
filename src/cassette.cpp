#include <agent_replay/cassette.hpp>
#include <agent_replay/digest.hpp>
#include <agent_replay/json_object_reader.hpp>

#include <algorithm>
#include <cctype>
#include <set>

namespace agent_replay {
namespace {

std::string percent_decode(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// Reads at most one body form (json, text, base64; sse is handled by the caller).
std::optional<std::string> read_body(JsonObjectReader& reader, bool allow_sse) {
    const Json* json = reader.find("json");
    const Json* text = reader.find("text");
    const Json* base64 = reader.find("base64");
    const Json* sse = allow_sse ? reader.find("sse") : nullptr;
    int forms = (json != nullptr) + (text != nullptr) + (base64 != nullptr) + (sse != nullptr);
    if (forms > 1) {
        throw reader.document().error_at(reader.pointer(), "give at most one of json, text, base64" +
                                                                     std::string(allow_sse ? ", sse" : ""));
    }
    if (json) return json->dump();
    if (text) {
        if (!text->is_string()) throw reader.error("text", "expected a string, found " + json_type_name(*text));
        return text->get<std::string>();
    }
    if (base64) {
        if (!base64->is_string()) throw reader.error("base64", "expected a string, found " + json_type_name(*base64));
        auto decoded = base64_decode(base64->get<std::string>());
        if (!decoded) throw reader.error("base64", "is not valid base64");
        return decoded;
    }
    return std::nullopt;
}

RecordedRequest parse_request(const JsonDocument& doc, const std::string& pointer) {
    JsonObjectReader reader(doc, pointer);
    RecordedRequest request;
    request.method = reader.required_string("method");
    std::transform(request.method.begin(), request.method.end(), request.method.begin(),
                   [](unsigned char c) { return std::toupper(c); });
    std::string path = reader.required_string("path");
    if (path.empty() || path[0] != '/') throw reader.error("path", "must start with '/'");
    auto question = path.find('?');
    request.path = path.substr(0, question);
    if (question != std::string::npos) request.query = parse_query_string(path.substr(question + 1));
    if (auto query = reader.optional_string_map("query")) {
        for (const auto& [name, value] : *query) request.query.emplace_back(name, value);
    }
    if (auto headers = reader.optional_string_map("headers")) {
        for (const auto& [name, value] : *headers) request.headers[ascii_lower(name)] = value;
    }
    request.body = read_body(reader, false);
    reader.reject_unknown_keys();
    return request;
}

std::vector<SseEvent> parse_sse(const JsonDocument& doc, const std::string& pointer) {
    const Json& events = doc.root().at(Json::json_pointer(pointer));
    if (!events.is_array()) throw doc.error_at(pointer, "'sse' must be an array of events");
    std::vector<SseEvent> out;
    for (std::size_t i = 0; i < events.size(); ++i) {
        JsonObjectReader event(doc, pointer + "/" + std::to_string(i));
        SseEvent parsed;
        parsed.data = event.required_string("data");
        parsed.event = event.optional_string("event").value_or("");
        parsed.id = event.optional_string("id").value_or("");
        event.reject_unknown_keys();
        out.push_back(std::move(parsed));
    }
    return out;
}

RecordedResponse parse_response(const JsonDocument& doc, const std::string& pointer) {
    JsonObjectReader reader(doc, pointer);
    RecordedResponse response;
    response.status = static_cast<int>(reader.optional_integer("status", 100).value_or(200));
    if (response.status > 599) throw reader.error("status", "must be an HTTP status between 100 and 599");
    if (auto headers = reader.optional_string_map("headers")) {
        for (const auto& [name, value] : *headers) response.headers.emplace_back(name, value);
    }
    if (reader.find("sse")) response.sse = parse_sse(doc, reader.pointer_of("sse"));
    response.body = read_body(reader, true).value_or("");
    response.chunk_delay_ms = static_cast<int>(reader.optional_integer("chunk_delay_ms", 0).value_or(0));
    reader.reject_unknown_keys();
    return response;
}

MatchRules parse_match_rules(const JsonDocument& doc, const std::string& pointer) {
    JsonObjectReader reader(doc, pointer);
    MatchRules rules;
    if (auto on = reader.optional_string_list("on")) {
        rules.method = rules.path = rules.query = rules.body = false;
        for (const auto& field : *on) {
            if (field == "method") rules.method = true;
            else if (field == "path") rules.path = true;
            else if (field == "query") rules.query = true;
            else if (field == "body") rules.body = true;
            else if (field == "headers") rules.headers = true;
            else throw reader.error("on", "unknown field '" + field + "' (expected method, path, query, body, headers)");
        }
    }
    rules.ignore_json_paths = reader.optional_string_list("ignore_json_paths").value_or(std::vector<std::string>{});
    rules.redact_json_paths = reader.optional_string_list("redact_json_paths").value_or(std::vector<std::string>{});
    std::vector<std::string> pointers = rules.ignore_json_paths;
    pointers.insert(pointers.end(), rules.redact_json_paths.begin(), rules.redact_json_paths.end());
    for (const auto& ignored : pointers) {
        try {
            Json::json_pointer pointer(ignored);
        } catch (const nlohmann::json::exception&) {
            throw reader.error("match", "'" + ignored + "' is not a JSON pointer (RFC 6901, e.g. \"/request_id\")");
        }
    }
    if (auto order = reader.optional_string("order")) {
        if (*order != "any" && *order != "strict") throw reader.error("order", "must be \"any\" or \"strict\"");
        rules.strict_order = *order == "strict";
    }
    reader.reject_unknown_keys();
    return rules;
}

Interaction parse_interaction(const JsonDocument& doc, const std::string& pointer) {
    JsonObjectReader reader(doc, pointer);
    Interaction interaction;
    interaction.id = reader.required_string("id");
    interaction.tool = reader.optional_string("tool").value_or("");
    interaction.side_effect = reader.optional_bool("side_effect").value_or(false);
    interaction.refreshable = reader.optional_bool("refreshable").value_or(false);
    if (!reader.has_object("request")) throw doc.error_at(pointer, "missing required key 'request'");
    interaction.request = parse_request(doc, reader.pointer_of("request"));
    if (!reader.has_object("response")) throw doc.error_at(pointer, "missing required key 'response'");
    interaction.response = parse_response(doc, reader.pointer_of("response"));
    if (const Json* repeat = reader.find("repeat")) {
        if (*repeat == "any") interaction.repeat = std::nullopt;
        else if (repeat->is_number_integer() && repeat->get<int>() >= 1) interaction.repeat = repeat->get<int>();
        else throw reader.error("repeat", "must be a positive integer or \"any\"");
    }
    if (reader.has_object("fault")) interaction.fault = parse_fault(doc, reader.pointer_of("fault"));
    reader.reject_unknown_keys();
    return interaction;
}

}  // namespace

Fault parse_fault(const JsonDocument& doc, const std::string& pointer) {
    JsonObjectReader reader(doc, pointer);
    Fault fault;
    std::string kind = reader.required_string("kind");
    if (kind == "status") fault.kind = FaultKind::status;
    else if (kind == "delay") fault.kind = FaultKind::delay;
    else if (kind == "reset") fault.kind = FaultKind::reset;
    else if (kind == "malformed") fault.kind = FaultKind::malformed;
    else if (kind == "truncate") fault.kind = FaultKind::truncate;
    else throw reader.error("kind", "must be status, delay, reset, malformed or truncate, not \"" + kind + "\"");
    fault.status = static_cast<int>(reader.optional_integer("status", 100).value_or(503));
    if (fault.status > 599) throw reader.error("status", "must be an HTTP status between 100 and 599");
    if (auto headers = reader.optional_string_map("headers")) {
        for (const auto& [name, value] : *headers) fault.headers.emplace_back(name, value);
    }
    fault.body = read_body(reader, false).value_or("");
    fault.delay_ms = static_cast<int>(reader.optional_integer("delay_ms", 0).value_or(0));
    if (fault.kind == FaultKind::delay && fault.delay_ms == 0) throw reader.error("delay_ms", "a delay fault needs delay_ms > 0");
    if (auto times = reader.optional_integer("times", 1)) fault.times = static_cast<int>(*times);
    fault.probability = reader.optional_number("probability", 0);
    if (fault.probability && *fault.probability > 1) throw reader.error("probability", "must be between 0 and 1");
    fault.seed = static_cast<std::uint64_t>(reader.optional_integer("seed", 0).value_or(0));
    reader.reject_unknown_keys();
    return fault;
}

Json fault_to_json(const Fault& fault) {
    Json out = {{"kind", std::string(to_string(fault.kind))}};
    if (fault.kind == FaultKind::status) {
        out["status"] = fault.status;
        if (!fault.headers.empty()) {
            Json headers = Json::object();
            for (const auto& [name, value] : fault.headers) headers[name] = value;
            out["headers"] = headers;
        }
        if (!fault.body.empty()) out["text"] = fault.body;
    }
    if (fault.kind == FaultKind::delay) out["delay_ms"] = fault.delay_ms;
    if (fault.times) out["times"] = *fault.times;
    if (fault.probability) {
        out["probability"] = *fault.probability;
        out["seed"] = fault.seed;
    }
    return out;
}

std::string_view to_string(FaultKind kind) {
    switch (kind) {
        case FaultKind::status: return "status";
        case FaultKind::delay: return "delay";
        case FaultKind::reset: return "reset";
        case FaultKind::malformed: return "malformed";
        case FaultKind::truncate: return "truncate";
    }
    return "status";
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string encode_sse_event(const SseEvent& event) {
    std::string out;
    if (!event.event.empty()) out += "event: " + event.event + "\n";
    if (!event.id.empty()) out += "id: " + event.id + "\n";
    std::size_t start = 0;
    while (true) {
        std::size_t end = event.data.find('\n', start);
        out += "data: " + event.data.substr(start, end == std::string::npos ? std::string::npos : end - start) + "\n";
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out + "\n";
}

std::vector<std::pair<std::string, std::string>> parse_query_string(const std::string& query) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t start = 0;
    while (start <= query.size()) {
        std::size_t end = query.find('&', start);
        if (end == std::string::npos) end = query.size();
        std::string part = query.substr(start, end - start);
        if (!part.empty()) {
            auto equals = part.find('=');
            if (equals == std::string::npos) out.emplace_back(percent_decode(part), "");
            else out.emplace_back(percent_decode(part.substr(0, equals)), percent_decode(part.substr(equals + 1)));
        }
        start = end + 1;
    }
    return out;
}

Cassette parse_cassette(const JsonDocument& doc) {
    JsonObjectReader reader(doc, "");
    require_schema_version(reader);
    Cassette cassette;
    if (reader.has_object("match")) cassette.match = parse_match_rules(doc, "/match");
    const Json* interactions = reader.find("interactions");
    if (!interactions) throw doc.error_at("", "missing required key 'interactions'");
    if (!interactions->is_array()) throw reader.error("interactions", "expected an array");
    std::set<std::string> ids;
    for (std::size_t i = 0; i < interactions->size(); ++i) {
        std::string pointer = "/interactions/" + std::to_string(i);
        Interaction interaction = parse_interaction(doc, pointer);
        if (!ids.insert(interaction.id).second) {
            throw doc.error_at(pointer + "/id", "duplicate interaction id '" + interaction.id + "'");
        }
        cassette.interactions.push_back(std::move(interaction));
    }
    reader.reject_unknown_keys();
    return cassette;
}

namespace {

// A body as the most readable form that round-trips: JSON, else text, else base64.
void write_body(Json& out, const std::string& body) {
    if (body.empty()) return;
    Json parsed = parse_untrusted_json(body);
    if (!parsed.is_discarded()) {
        out["json"] = parsed;
        return;
    }
    try {
        (void)Json(body).dump();  // throws for invalid UTF-8
        out["text"] = body;
    } catch (const nlohmann::json::exception&) {
        out["base64"] = base64_encode(body);
    }
}

}  // namespace

Json cassette_to_json(const Cassette& cassette) {
    Json match = {{"on", Json::array()}};
    const MatchRules& rules = cassette.match;
    for (auto [on, name] : {std::pair{rules.method, "method"}, std::pair{rules.path, "path"}, std::pair{rules.query, "query"},
                            std::pair{rules.body, "body"}, std::pair{rules.headers, "headers"}}) {
        if (on) match["on"].push_back(name);
    }
    if (!rules.ignore_json_paths.empty()) match["ignore_json_paths"] = rules.ignore_json_paths;
    if (!rules.redact_json_paths.empty()) match["redact_json_paths"] = rules.redact_json_paths;
    if (rules.strict_order) match["order"] = "strict";
    Json interactions = Json::array();
    for (const auto& interaction : cassette.interactions) {
        Json request = {{"method", interaction.request.method}, {"path", interaction.request.path}};
        if (!interaction.request.query.empty()) {
            Json query = Json::object();
            for (const auto& [name, value] : interaction.request.query) query[name] = value;
            request["query"] = query;
        }
        if (interaction.request.body) write_body(request, *interaction.request.body);
        Json response = {{"status", interaction.response.status}};
        if (!interaction.response.headers.empty()) {
            Json headers = Json::object();
            for (const auto& [name, value] : interaction.response.headers) headers[name] = value;
            response["headers"] = headers;
        }
        if (!interaction.response.sse.empty()) {
            Json events = Json::array();
            for (const auto& event : interaction.response.sse) {
                Json item = {{"data", event.data}};
                if (!event.event.empty()) item["event"] = event.event;
                if (!event.id.empty()) item["id"] = event.id;
                events.push_back(item);
            }
            response["sse"] = events;
            if (interaction.response.chunk_delay_ms > 0) response["chunk_delay_ms"] = interaction.response.chunk_delay_ms;
        } else {
            write_body(response, interaction.response.body);
        }
        Json item = {{"id", interaction.id}, {"tool", interaction.tool}, {"side_effect", interaction.side_effect},
                     {"request", request}, {"response", response}};
        if (!interaction.repeat) item["repeat"] = "any";
        else if (*interaction.repeat != 1) item["repeat"] = *interaction.repeat;
        if (interaction.fault) item["fault"] = fault_to_json(*interaction.fault);
        if (interaction.refreshable) item["refreshable"] = true;
        interactions.push_back(item);
    }
    return {{"schema_version", 1}, {"match", match}, {"interactions", interactions}};
}

void merge_cassette(Cassette& into, const Cassette& extra, const std::filesystem::path& extra_file) {
    for (const auto& interaction : extra.interactions) {
        for (const auto& existing : into.interactions) {
            if (existing.id == interaction.id) {
                throw FixtureError({extra_file}, "interaction id '" + interaction.id +
                                                     "' is already used by the fixture's own cassette");
            }
        }
        into.interactions.push_back(interaction);
    }
}

}  // namespace agent_replay
