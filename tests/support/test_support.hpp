#pragma once
// Shared helpers for agent-replay's own tests: real temporary directories,
// real files, and the paths of the source and build trees.
#include <filesystem>
#include <string>

namespace agent_replay::testing_support {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

void write_file(const std::filesystem::path& file, const std::string& content);
std::string read_file(const std::filesystem::path& file);

// The repository checkout and the build directory (set by CMake).
std::filesystem::path source_dir();
std::filesystem::path build_dir();
std::filesystem::path shipped_suite();
std::filesystem::path inputs_dir();  // tests/Inputs

// Copies a directory tree.
void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to);

// Runs a shell command, returning its exit status and capturing stdout.
int run_shell(const std::string& command, std::string* output = nullptr);

// The built binaries under test, and a path quoted for run_shell.
inline const std::string kCli = AGENT_REPLAY_CLI;
inline const std::string kRunner = AGENT_REPLAY_FIXTURE_RUNNER;
inline std::string in_quotes(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

// Whether any live process has `needle` in its command line.
bool process_with_cmdline_exists(const std::string& needle);

}  // namespace agent_replay::testing_support
