#include <agent_replay/cassette_matcher.hpp>
#include <agent_replay/redaction.hpp>

#include <algorithm>

namespace agent_replay {
namespace {

std::string canonical_query(std::vector<std::pair<std::string, std::string>> query) {
    redact_query(query);  // recordings hold "[REDACTED]" where requests hold the real key
    std::sort(query.begin(), query.end());
    std::string out;
    for (const auto& [name, value] : query) {
        out += name;
        out += '=';
        out += value;
        out += '&';
    }
    return out;
}

Json query_as_json(const std::vector<std::pair<std::string, std::string>>& query) {
    Json out = Json::array();
    for (const auto& [name, value] : query) out.push_back({name, value});
    return out;
}

}  // namespace

CassetteMatcher::CassetteMatcher(const Cassette& cassette, std::vector<Route> routes, std::optional<std::uint64_t> run_seed)
    : cassette_(cassette), uses_(cassette.interactions.size(), 0), interaction_faults_(cassette.interactions.size()) {
    // Scrambled so that run seeds 1 and 2 give unrelated sequences, not shifted ones.
    std::uint64_t mix = run_seed ? (*run_seed + 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull : 0;
    for (auto& route : routes) {
        route_faults_.push_back({0, (route.fault ? route.fault->seed : 0) ^ mix});
        routes_.push_back(std::move(route));
    }
    for (std::size_t i = 0; i < cassette.interactions.size(); ++i) {
        if (cassette.interactions[i].fault) interaction_faults_[i].rng = cassette.interactions[i].fault->seed ^ mix;
        const RecordedRequest& request = cassette.interactions[i].request;
        index_[key_of(request.method, request.path, request.query, request.body)].push_back(i);
    }
}

// JSON bodies compare as canonical JSON (sorted keys, no whitespace) with the
// ignored pointers removed; anything else compares byte for byte.
std::string CassetteMatcher::canonical_body(const std::optional<std::string>& body) const {
    if (!body || body->empty()) return "";
    Json parsed = parse_untrusted_json(*body);
    if (parsed.is_discarded()) return "raw:" + *body;
    redact_json_paths(parsed, cassette_.match.redact_json_paths);
    for (const auto& ignored : cassette_.match.ignore_json_paths) {
        Json::json_pointer pointer(ignored);
        if (ignored.empty()) return "json:";
        if (!parsed.contains(pointer)) continue;
        Json& parent = parsed[pointer.parent_pointer()];
        if (parent.is_object()) parent.erase(pointer.back());
        else if (parent.is_array()) parent[std::stoul(pointer.back())] = nullptr;
    }
    return "json:" + parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string CassetteMatcher::key_of(const std::string& method, const std::string& path,
                                    const std::vector<std::pair<std::string, std::string>>& query,
                                    const std::optional<std::string>& body) const {
    const MatchRules& rules = cassette_.match;
    return masked_key(method, path, rules.query ? canonical_query(query) : "", rules.body ? canonical_body(body) : "");
}

// The fields `match.on` leaves out are blanked, so they cannot tell requests apart.
std::string CassetteMatcher::masked_key(const std::string& method, const std::string& path, const std::string& query,
                                        const std::string& body) const {
    const MatchRules& rules = cassette_.match;
    return (rules.method ? method : "") + "\n" + (rules.path ? path : "") + "\n" + (rules.query ? query : "") + "\n" +
           (rules.body ? body : "");
}

std::string CassetteMatcher::canonical_call(const IncomingRequest& request) const {
    return request.method + "\n" + request.path + "\n" + canonical_query(request.query) + "\n" +
           canonical_body(request.body);
}

MatchResult CassetteMatcher::match(const IncomingRequest& request) {
    // The body is parsed once per request, for the key and for the canonical call alike.
    std::string query = canonical_query(request.query);
    std::string body = canonical_body(request.body);
    MatchResult result = find_match(request, masked_key(request.method, request.path, query, body));
    result.canonical_call = request.method + "\n" + request.path + "\n" + query + "\n" + body;
    return result;
}

MatchResult CassetteMatcher::find_match(const IncomingRequest& request, const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = index_.find(key);
    std::optional<std::size_t> out_of_order;
    if (found != index_.end()) {
        for (std::size_t i : found->second) {
            const Interaction& interaction = cassette_.interactions[i];
            if (interaction.repeat && uses_[i] >= *interaction.repeat) continue;
            if (cassette_.match.strict_order && !in_order(i)) {
                if (!out_of_order) out_of_order = i;
                continue;
            }
            if (cassette_.match.headers) {
                bool headers_match = std::all_of(
                    interaction.request.headers.begin(), interaction.request.headers.end(), [&](const auto& header) {
                        auto got = request.headers.find(header.first);
                        return got != request.headers.end() && got->second == header.second;
                    });
                if (!headers_match) continue;
            }
            in_play_ = i;
            const Fault* fault = nullptr;
            FaultState* state = nullptr;
            if (interaction.fault) {
                fault = &*interaction.fault;
                state = &interaction_faults_[i];
            } else if (const Route* route = find_route(routes_, request.path); route && route->fault) {
                fault = &*route->fault;
                state = &route_faults_[static_cast<std::size_t>(route - routes_.data())];
            }
            if (fault && fault_fires(*fault, *state)) {
                if (fault->kind == FaultKind::delay) ++uses_[i];
                return MatchResult{&interaction, fault, nullptr};
            }
            ++uses_[i];
            return MatchResult{&interaction, nullptr, nullptr};
        }
    }
    if (out_of_order) {
        std::size_t next = in_play_ ? *in_play_ + 1 : 0;
        Json difference = {{"field", "order"},
                           {"recorded", next < cassette_.interactions.size() ? Json(cassette_.interactions[next].id) : Json(nullptr)},
                           {"received", cassette_.interactions[*out_of_order].id},
                           {"note", "order \"strict\": the request matches a recorded interaction out of turn"}};
        return MatchResult{nullptr, nullptr,
                           {{"closest", cassette_.interactions[*out_of_order].id}, {"differences", Json::array({difference})}}};
    }
    return MatchResult{nullptr, nullptr, explain_miss(request)};
}

bool CassetteMatcher::in_order(std::size_t index) const {
    if (!in_play_) return index == 0;
    return index == *in_play_ || index == *in_play_ + 1;
}

// splitmix64: tiny, well-distributed and identical on every platform, unlike
// the standard distributions, so a seed means the same fault sequence everywhere.
bool CassetteMatcher::fault_fires(const Fault& fault, FaultState& state) {
    if (fault.times && state.hits >= *fault.times) return false;
    bool fires = true;
    if (fault.probability) {
        std::uint64_t z = (state.rng += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        double draw = static_cast<double>(z >> 11) * 0x1.0p-53;
        fires = draw < *fault.probability;
    }
    if (fires) ++state.hits;
    return fires;
}

// Names the recorded interaction that differs from the request in the fewest
// fields, and what those differences are.
Json CassetteMatcher::explain_miss(const IncomingRequest& request) const {
    const MatchRules& rules = cassette_.match;
    std::string received_body = canonical_body(request.body);
    std::string received_query = canonical_query(request.query);
    Json best = {{"closest", nullptr}, {"differences", Json::array()}};
    std::size_t best_score = SIZE_MAX;
    for (std::size_t i = 0; i < cassette_.interactions.size(); ++i) {
        const Interaction& interaction = cassette_.interactions[i];
        const RecordedRequest& recorded = interaction.request;
        Json differences = Json::array();
        std::size_t score = 0;
        if (rules.path && recorded.path != request.path) {
            differences.push_back({{"field", "path"}, {"recorded", recorded.path}, {"received", request.path}});
            score += 8;
        }
        if (rules.method && recorded.method != request.method) {
            differences.push_back({{"field", "method"}, {"recorded", recorded.method}, {"received", request.method}});
            score += 4;
        }
        if (rules.query && canonical_query(recorded.query) != received_query) {
            differences.push_back({{"field", "query"}, {"recorded", query_as_json(recorded.query)},
                                   {"received", query_as_json(request.query)}});
            score += 2;
        }
        std::string recorded_body = canonical_body(recorded.body);
        if (rules.body && recorded_body != received_body) {
            Json difference = {{"field", "body"}};
            Json before = parse_untrusted_json(recorded.body.value_or(""));
            Json after = parse_untrusted_json(request.body);
            if (!before.is_discarded() && !after.is_discarded()) {
                difference["patch"] = Json::diff(before, after);  // RFC 6902: recorded -> received
            } else {
                difference["recorded"] = recorded.body.value_or("");
                difference["received"] = request.body.substr(0, 2048);
            }
            differences.push_back(difference);
            score += 2;
        }
        if (differences.empty()) {
            // Same request, but its recorded uses are spent (or a listed header differs).
            differences.push_back({{"field", interaction.repeat && uses_[i] >= *interaction.repeat ? "repeat" : "headers"},
                                   {"recorded", interaction.repeat ? Json(*interaction.repeat) : Json("any")},
                                   {"received", uses_[i] + 1}});
            score += 1;
        }
        if (score < best_score) {
            best_score = score;
            best = {{"closest", interaction.id}, {"differences", differences}};
        }
    }
    return best;
}

std::vector<std::string> CassetteMatcher::unused_interactions() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < uses_.size(); ++i) {
        if (uses_[i] == 0) out.push_back(cassette_.interactions[i].id);
    }
    return out;
}

}  // namespace agent_replay
