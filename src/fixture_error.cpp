#include <agent_replay/fixture_error.hpp>

namespace agent_replay {
namespace {

std::string describe(const SourceLocation& where, const std::string& message) {
    std::string text = where.file.string();
    if (where.line > 0) {
        text += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
    }
    return text + ": " + message;
}

}  // namespace

FixtureError::FixtureError(SourceLocation where, std::string message)
    : std::runtime_error(describe(where, message)), where_(std::move(where)), message_(std::move(message)) {}

}  // namespace agent_replay
