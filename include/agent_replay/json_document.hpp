#pragma once
// A JSON file read from disk that remembers where it came from, so every later
// complaint about its content can name the file, line and column.
#include <agent_replay/fixture_error.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace agent_replay {

using Json = nlohmann::json;

// Parses JSON someone else wrote (an agent's artifact, a request body, a
// recorded response): a discarded value when it is not JSON or nests deeper
// than `max_depth` levels, because comparing, dumping or diffing deeper
// values recurses once per level and would overflow the stack.
Json parse_untrusted_json(std::string_view text, int max_depth = 256);

// The value at `pointer`, or nullptr: no exceptions for pointers that do not
// fit the document (array index out of range or not a number).
const Json* find_at_pointer(const Json& document, const std::string& pointer);

class JsonDocument {
public:
    // Reads and parses `file`. Throws FixtureError for a missing/unreadable
    // file or a syntax error (with line and column of the error).
    static JsonDocument load(const std::filesystem::path& file);
    // Parses text that claims to come from `file` (used by tests and loaders).
    static JsonDocument parse(std::string text, const std::filesystem::path& file);

    const Json& root() const noexcept { return root_; }
    const std::filesystem::path& file() const noexcept { return file_; }

    // Where the value at `json_pointer` starts in the text; line/column are 0
    // if the pointer does not exist. Computed lazily: only errors pay for it.
    SourceLocation locate(const std::string& json_pointer) const;

    // Builds the error for a problem at `json_pointer` ("" for the root).
    FixtureError error_at(const std::string& json_pointer, const std::string& message) const;

private:
    std::filesystem::path file_;
    std::string text_;
    Json root_;
};

// Escapes one JSON-pointer reference token (RFC 6901: ~ -> ~0, / -> ~1).
std::string escape_pointer_token(const std::string& token);

// Line and column (1-based) of byte `offset` in `text`.
SourceLocation location_of_offset(const std::filesystem::path& file, const std::string& text,
                                  std::size_t offset);

}  // namespace agent_replay
