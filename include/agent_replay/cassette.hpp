#pragma once
// Recorded HTTP interactions (tool_cassettes.json, SPEC §2) as plain data.
#include <agent_replay/json_document.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agent_replay {

struct SseEvent {
    std::string event;  // optional "event:" name
    std::string id;     // optional "id:"
    std::string data;
};

struct RecordedRequest {
    std::string method;
    std::string path;                                       // without the query string
    std::vector<std::pair<std::string, std::string>> query;  // decoded, in file order
    std::map<std::string, std::string> headers;             // lower-case names
    std::optional<std::string> body;                        // raw body; nullopt = no body
};

struct RecordedResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;              // from json/text/base64
    std::vector<SseEvent> sse;     // when non-empty, streamed as text/event-stream
    int chunk_delay_ms = 0;
};

// A failure the proxy injects instead of (or before) the recorded response:
// the chaos an agent must survive. Deterministic: `times` fires on the first N
// matches; `probability` draws from a generator seeded with `seed`.
enum class FaultKind { status, delay, reset, malformed, truncate };

struct Fault {
    FaultKind kind = FaultKind::status;
    int status = 503;                                          // kind status
    std::vector<std::pair<std::string, std::string>> headers;  // kind status, e.g. retry-after
    std::string body;                                          // kind status; "" = a JSON error body
    int delay_ms = 0;                                          // kind delay
    std::optional<int> times;                                  // nullopt with no probability: always
    std::optional<double> probability;
    std::uint64_t seed = 0;
};

std::string_view to_string(FaultKind kind);
// Reads the fault object at `pointer` of `doc`; throws FixtureError.
Fault parse_fault(const JsonDocument& doc, const std::string& pointer);
// The fault as tool_cassettes.json writes it.
Json fault_to_json(const Fault& fault);

struct Interaction {
    std::string id;
    std::string tool;
    bool side_effect = false;
    bool refreshable = false;  // live mode may refresh it from the upstream even if it mutates
    RecordedRequest request;
    RecordedResponse response;
    std::optional<int> repeat = 1;  // nullopt = any number of times
    std::optional<Fault> fault;
};

// Which parts of a request must be equal for an interaction to match.
struct MatchRules {
    bool method = true;
    bool path = true;
    bool query = true;
    bool body = true;
    bool headers = false;  // only the headers an interaction lists
    // order "strict": requests must come in cassette order; an interaction may
    // repeat (up to `repeat`) before the next one starts. "any": no order.
    bool strict_order = false;
    std::vector<std::string> ignore_json_paths;
    // Redacted at record time; compared as "[REDACTED]" on both sides.
    std::vector<std::string> redact_json_paths;
};

struct Cassette {
    MatchRules match;
    std::vector<Interaction> interactions;
};

// Parses a tool_cassettes.json document. Throws FixtureError naming file/line/column.
Cassette parse_cassette(const JsonDocument& doc);

// The tool_cassettes.json document for `cassette` (stable key order, one
// interaction per entry, in order). Request headers are not written.
Json cassette_to_json(const Cassette& cassette);

// Appends `extra`'s interactions to `into` (ids must stay unique; throws FixtureError otherwise).
void merge_cassette(Cassette& into, const Cassette& extra, const std::filesystem::path& extra_file);

// ASCII lower-case: HTTP header names (and their lookups) are case-insensitive,
// so cassettes store and compare them lower-case.
std::string ascii_lower(std::string_view text);

// One event in text/event-stream framing ("event:", "id:", one "data:" per line, blank line).
std::string encode_sse_event(const SseEvent& event);

// Splits "a=1&b=%20x" into decoded pairs.
std::vector<std::pair<std::string, std::string>> parse_query_string(const std::string& query);

}  // namespace agent_replay
