#pragma once
// Finds the recorded interaction for an incoming request. Lookup is one hash
// probe on the canonical request key, so its cost does not grow with the
// number of interactions; only a miss scans everything to explain itself.
#include <agent_replay/cassette.hpp>
#include <agent_replay/fixture.hpp>

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace agent_replay {

struct IncomingRequest {
    std::string method;
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

struct MatchResult {
    const Interaction* interaction = nullptr;  // nullptr on a miss
    const Fault* fault = nullptr;              // set when this match gets the interaction's fault
    // On a miss: {"closest": id|null, "differences": [{"field", "recorded", "received"}...]}
    Json miss = nullptr;
    // The whole request in canonical form (method, path, sorted query,
    // canonical JSON body minus ignore_json_paths), whatever `match.on` says:
    // two calls with the same text are the same call (loop detection).
    std::string canonical_call{};
};

class CassetteMatcher {
public:
    // `routes` with a fault inject it into the requests under their prefix.
    // `run_seed`, when given, is mixed into every fault seed (a run-wide --seed).
    explicit CassetteMatcher(const Cassette& cassette, std::vector<Route> routes = {},
                             std::optional<std::uint64_t> run_seed = std::nullopt);

    // Matches and consumes one use of an interaction (honouring `repeat` and,
    // with order "strict", the cassette order).
    // A fault that fires does not consume a use (the agent never got the
    // recorded response), except `delay`, which is served after waiting.
    // An interaction's own fault comes first; its route's fault applies to
    // interactions without one.
    // Thread-safe; the same request sequence gives the same faults.
    MatchResult match(const IncomingRequest& request);

    // The index key of a recorded request: two interactions with the same key
    // compete for the same incoming requests.
    std::string key_for(const RecordedRequest& request) const {
        return key_of(request.method, request.path, request.query, request.body);
    }

    // MatchResult::canonical_call for a request that is not matched (record mode).
    std::string canonical_call(const IncomingRequest& request) const;

    // Ids of interactions that were never matched, in cassette order.
    std::vector<std::string> unused_interactions() const;

private:
    std::string key_of(const std::string& method, const std::string& path,
                       const std::vector<std::pair<std::string, std::string>>& query,
                       const std::optional<std::string>& body) const;
    std::string canonical_body(const std::optional<std::string>& body) const;
    std::string masked_key(const std::string& method, const std::string& path, const std::string& query,
                           const std::string& body) const;
    MatchResult find_match(const IncomingRequest& request, const std::string& key);
    Json explain_miss(const IncomingRequest& request) const;
    // order "strict": the interaction in play (it may repeat) and the one after it.
    bool in_order(std::size_t index) const;

    const Cassette& cassette_;
    std::unordered_map<std::string, std::vector<std::size_t>> index_;
    mutable std::mutex mutex_;
    // How often a fault fired, and its splitmix64 state.
    struct FaultState {
        int hits = 0;
        std::uint64_t rng = 0;
    };
    static bool fault_fires(const Fault& fault, FaultState& state);

    std::vector<Route> routes_;             // all of them: the longest prefix decides
    std::vector<FaultState> route_faults_;  // per route, used when it has a fault
    std::vector<int> uses_;
    std::optional<std::size_t> in_play_;  // order "strict": the last interaction matched
    std::vector<FaultState> interaction_faults_;
};

}  // namespace agent_replay
