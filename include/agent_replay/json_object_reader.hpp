#pragma once
// Reads one JSON object field by field with exact types, and rejects keys it
// was not asked about: a typo in a contract must never silently disable a check.
#include <agent_replay/json_document.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace agent_replay {

class JsonObjectReader {
public:
    // Throws FixtureError unless the value at `pointer` is an object.
    JsonObjectReader(const JsonDocument& doc, std::string pointer);

    // The raw value of `key`, or nullptr when absent; marks the key as known.
    const Json* find(const std::string& key);
    std::string pointer_of(const std::string& key) const { return pointer_ + "/" + escape_pointer_token(key); }
    const JsonDocument& document() const { return doc_; }
    const std::string& pointer() const { return pointer_; }

    std::string required_string(const std::string& key);
    std::optional<std::string> optional_string(const std::string& key);
    std::optional<bool> optional_bool(const std::string& key);
    std::optional<std::int64_t> optional_integer(const std::string& key, std::int64_t min_value);
    std::optional<double> optional_number(const std::string& key, double min_value);
    std::optional<std::vector<std::string>> optional_string_list(const std::string& key);
    std::optional<std::map<std::string, std::string>> optional_string_map(const std::string& key);
    // True when `key` holds an object (throws if it holds anything else).
    bool has_object(const std::string& key);

    // Throws FixtureError naming the first key nobody asked for.
    void reject_unknown_keys() const;

    FixtureError error(const std::string& key, const std::string& message) const;

private:
    const JsonDocument& doc_;
    std::string pointer_;
    const Json& object_;
    std::set<std::string> known_;
};

// Checks "schema_version": 1 at the document root.
void require_schema_version(JsonObjectReader& reader);

// Human name of a JSON value's type for error messages ("string", "array", ...).
std::string json_type_name(const Json& value);

}  // namespace agent_replay
