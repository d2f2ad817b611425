#pragma once
// JSON Schema validation through valijson (drafts 3, 4 and 7 keywords).
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace agent_replay {

// Why `schema` cannot be used as a JSON Schema, or nullopt when it can.
std::optional<std::string> json_schema_problem(const nlohmann::json& schema);

// Every violation of `schema` by `instance`, each as "<pointer-ish path>: <description>".
// Empty when the instance is valid.
std::vector<std::string> json_schema_errors(const nlohmann::json& schema, const nlohmann::json& instance);

}  // namespace agent_replay
