#pragma once
// UTC timestamps as reports write them and as fixtures state them (quarantine expiry).
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

namespace agent_replay {

// "2026-11-23T10:00:00Z"
std::string utc_iso(std::time_t when);
std::string utc_now_iso();

// Seconds since the epoch for "YYYY-MM-DD" (the end of that day: a date is
// inclusive) or "YYYY-MM-DDTHH:MM:SSZ"; nullopt for anything else.
std::optional<std::int64_t> parse_utc_deadline(const std::string& text);

}  // namespace agent_replay
