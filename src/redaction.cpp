#include <agent_replay/cassette.hpp>
#include <agent_replay/redaction.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace agent_replay {
namespace {

}  // namespace

bool is_secret_header(std::string_view name) {
    static constexpr std::array<std::string_view, 6> kSecret{"authorization", "proxy-authorization", "x-api-key",
                                                             "api-key",       "cookie",              "set-cookie"};
    std::string key = ascii_lower(name);
    return std::find(kSecret.begin(), kSecret.end(), key) != kSecret.end();
}

bool is_secret_query_name(std::string_view name) {
    static constexpr std::array<std::string_view, 9> kFragments{"key",      "token", "secret", "password", "passwd",
                                                                "signature", "sig",   "auth",   "credential"};
    std::string key = ascii_lower(name);
    return std::any_of(kFragments.begin(), kFragments.end(),
                       [&](std::string_view fragment) { return key.find(fragment) != std::string::npos; });
}

void redact_query(std::vector<std::pair<std::string, std::string>>& query) {
    for (auto& [name, value] : query) {
        if (is_secret_query_name(name)) value = kRedacted;
    }
}

std::string redact_query_string(const std::string& query) {
    std::string out;
    std::size_t start = 0;
    while (start <= query.size()) {
        std::size_t end = query.find('&', start);
        if (end == std::string::npos) end = query.size();
        std::string part = query.substr(start, end - start);
        auto equals = part.find('=');
        if (equals != std::string::npos && is_secret_query_name(part.substr(0, equals))) {
            part = part.substr(0, equals + 1) + std::string(kRedacted);
        }
        out += (start == 0 ? "" : "&") + part;
        start = end + 1;
    }
    return out;
}

void redact_json_paths(nlohmann::json& value, const std::vector<std::string>& pointers) {
    for (const auto& pointer : pointers) {
        nlohmann::json::json_pointer where(pointer);
        if (value.contains(where)) value[where] = kRedacted;
    }
}

}  // namespace agent_replay
