#include <agent_replay/utc_time.hpp>

#include <cstdio>

namespace agent_replay {

std::string utc_iso(std::time_t when) {
    std::tm tm{};
    gmtime_r(&when, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

std::string utc_now_iso() { return utc_iso(std::time(nullptr)); }

std::optional<std::int64_t> parse_utc_deadline(const std::string& text) {
    int year = 0, month = 0, day = 0, hour = 23, minute = 59, second = 59;
    int consumed = 0;
    bool date_only = text.size() == 10 &&
                     std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) == 3 && consumed == 10;
    bool full = text.size() == 20 && text.back() == 'Z' &&
                std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &year, &month, &day, &hour, &minute, &second,
                            &consumed) == 6 &&
                consumed == 20;
    if (!date_only && !full) return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    std::time_t when = timegm(&tm);
    if (when == static_cast<std::time_t>(-1) || tm.tm_mday != day) return std::nullopt;  // e.g. 2026-02-30
    return static_cast<std::int64_t>(when);
}

}  // namespace agent_replay
