#pragma once
// A suite is a directory of fixture directories (plus an optional suite.json).
#include <agent_replay/cassette_proxy.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace agent_replay {

// Fixture directories of a suite, sorted by name. Only reads the directory
// listing (never a fixture file), so it stays cheap for 10,000 fixtures.
// Hidden entries and plain files are skipped. Throws std::runtime_error if
// `suite_dir` is not a readable directory.
std::vector<std::filesystem::path> list_fixture_dirs(const std::filesystem::path& suite_dir);

// The test name of a fixture directory, the same in GoogleTest, CTest and
// JUnit: "fixture_<id>". A directory name that is not a valid id keeps a
// distinct name: characters outside [A-Za-z0-9_] become _xHH_.
std::string fixture_test_name(const std::string& directory_name);

// The nearest ancestor of `start` holding .git, or the current directory.
std::filesystem::path find_repo_root(const std::filesystem::path& start);

// "agent-replay run --fixture <path> --mode <mode>", with the path relative to
// the repository root when the fixture lies inside it, shell-quoted if needed.
std::string replay_command_for(const std::filesystem::path& fixture_dir, ProxyMode mode,
                               const std::filesystem::path& repo_root);

// Quotes `word` for a POSIX shell when it holds anything but safe characters.
std::string shell_quote(const std::string& word);

// The tier a fixture declares (input.json, else suite.json, else "daily"),
// read without loading the rest of the fixture; "" when unreadable.
std::string peek_fixture_tier(const std::filesystem::path& fixture_dir);

}  // namespace agent_replay
