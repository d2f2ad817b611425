#pragma once
// Path globs for contracts: `*` and `?` within one path segment, `**` across
// any number of segments ("sources/**", "**/*.json").
#include <string>
#include <vector>

namespace agent_replay {

bool glob_matches(const std::string& pattern, const std::string& relpath);
bool any_glob_matches(const std::vector<std::string>& patterns, const std::string& relpath);

}  // namespace agent_replay
