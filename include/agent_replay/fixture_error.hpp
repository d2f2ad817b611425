#pragma once
// The one error type for bad fixture input: it names the file and, for JSON,
// the line and column, so a user can jump straight to the mistake.
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace agent_replay {

struct SourceLocation {
    std::filesystem::path file;
    std::size_t line = 0;    // 1-based; 0 when unknown
    std::size_t column = 0;  // 1-based; 0 when unknown
};

// Thrown by the loaders when a fixture (or suite.json) cannot be used.
// what() reads "file:line:column: message" (line/column omitted when unknown).
class FixtureError : public std::runtime_error {
public:
    FixtureError(SourceLocation where, std::string message);

    const SourceLocation& where() const noexcept { return where_; }
    const std::string& message() const noexcept { return message_; }

private:
    SourceLocation where_;
    std::string message_;
};

}  // namespace agent_replay
