#include <agent_replay/cassette_lint.hpp>
#include <agent_replay/cassette_matcher.hpp>
#include <agent_replay/redaction.hpp>

#include <map>
#include <regex>
#include <set>

namespace agent_replay {
namespace {

// Credentials that show up in bodies: OpenAI/Anthropic-style keys, bearer tokens, AWS key ids.
const std::regex kSecretInText(R"((sk-[A-Za-z0-9_-]{16,}|sk-ant-[A-Za-z0-9_-]{16,}|Bearer\s+[A-Za-z0-9._~+/-]{16,}|AKIA[0-9A-Z]{16}))");

void check_secrets(const Interaction& interaction, std::vector<LintFinding>& out) {
    auto flag = [&](const std::string& where) {
        out.push_back({"unredacted_secret", interaction.id, where + " holds a credential; record again or redact it", true});
    };
    for (const auto& [name, value] : interaction.request.headers) {
        if (is_secret_header(name) && value != kRedacted) flag("request header " + name);
    }
    for (const auto& [name, value] : interaction.request.query) {
        if (is_secret_query_name(name) && value != kRedacted) flag("query parameter " + name);
    }
    for (const auto& [name, value] : interaction.response.headers) {
        if (is_secret_header(name) && value != kRedacted) flag("response header " + name);
    }
    if (interaction.request.body && std::regex_search(*interaction.request.body, kSecretInText)) flag("request body");
    if (std::regex_search(interaction.response.body, kSecretInText)) flag("response body");
}

}  // namespace

std::vector<LintFinding> lint_cassette(const Cassette& cassette, const std::optional<std::vector<TraceEvent>>& last_trace) {
    std::vector<LintFinding> out;
    CassetteMatcher matcher(cassette);
    std::map<std::string, std::size_t> first_with_key;
    for (std::size_t i = 0; i < cassette.interactions.size(); ++i) {
        const Interaction& interaction = cassette.interactions[i];
        std::string key = matcher.key_for(interaction.request);
        auto [earlier, inserted] = first_with_key.emplace(key, i);
        if (!inserted) {
            const Interaction& first = cassette.interactions[earlier->second];
            if (!first.repeat) {
                out.push_back({"unreachable", interaction.id,
                               "can never be served: '" + first.id + "' matches the same requests with repeat \"any\"", true});
            } else if (first.response.body == interaction.response.body && first.response.status == interaction.response.status) {
                out.push_back({"duplicate", interaction.id,
                               "same request and response as '" + first.id + "'; use \"repeat\" instead", false});
            }
            earlier->second = i;  // later duplicates compare with the nearest one
        }
        check_secrets(interaction, out);
    }
    if (last_trace) {
        std::set<std::string> used;
        for (const auto& event : *last_trace) {
            if (event.interaction_id) used.insert(*event.interaction_id);
        }
        for (const auto& interaction : cassette.interactions) {
            if (!used.count(interaction.id)) {
                out.push_back({"unused", interaction.id, "was not used by the last replay", false});
            }
        }
    }
    return out;
}

}  // namespace agent_replay
