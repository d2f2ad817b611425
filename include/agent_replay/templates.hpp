#pragma once
// {{proxy_url}}, {{workspace}}, {{fixture_dir}}, {{repo}}, {{run_id}} in agent argv/env.
#include <map>
#include <string>

namespace agent_replay {

using TemplateValues = std::map<std::string, std::string>;

// Replaces every {{name}} with its value. Throws std::invalid_argument naming
// an unknown or unterminated template, so a typo never reaches the agent.
std::string expand_templates(const std::string& text, const TemplateValues& values);

}  // namespace agent_replay
