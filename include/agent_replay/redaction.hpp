#pragma once
// Secrets never reach a written file: recorded headers, query parameters and
// configured JSON fields are replaced by "[REDACTED]". Matching applies the
// same redaction to incoming requests, so a redacted recording still matches
// a request carrying the real secret.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agent_replay {

inline constexpr std::string_view kRedacted = "[REDACTED]";

// Authorization, Proxy-Authorization, x-api-key, api-key, Cookie, Set-Cookie (any case).
bool is_secret_header(std::string_view name);
// Query parameter names that look like credentials: key, api_key, token, secret, password, signature, ...
bool is_secret_query_name(std::string_view name);

// Redacts secret-looking query values in place.
void redact_query(std::vector<std::pair<std::string, std::string>>& query);
// "a=1&token=x" -> "a=1&token=[REDACTED]"
std::string redact_query_string(const std::string& query);
// Replaces the value at each JSON pointer that exists with "[REDACTED]".
void redact_json_paths(nlohmann::json& value, const std::vector<std::string>& pointers);

}  // namespace agent_replay
