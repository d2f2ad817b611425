#pragma once
// The agent's workspace: materialised from fixture state, fingerprinted
// (path, size, SHA-256) before and after the run, and compared.
#include <agent_replay/fixture.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace agent_replay {

struct FileFingerprint {
    std::uint64_t size = 0;
    std::string sha256;
    bool operator==(const FileFingerprint&) const = default;
};

// Relative path ('/'-separated) -> fingerprint; symlinks are fingerprinted by their target text.
using WorkspaceSnapshot = std::map<std::string, FileFingerprint>;

struct WorkspaceChanges {
    std::vector<std::string> created;
    std::vector<std::string> modified;
    std::vector<std::string> deleted;
    bool empty() const { return created.empty() && modified.empty() && deleted.empty(); }
};

// Removes `workspace` if present, creates it and writes every state file.
// Throws std::runtime_error if the filesystem refuses.
void materialise_workspace(const std::filesystem::path& workspace, const std::vector<StateFile>& state);

WorkspaceSnapshot snapshot_workspace(const std::filesystem::path& workspace);
WorkspaceChanges compare_snapshots(const WorkspaceSnapshot& before, const WorkspaceSnapshot& after);

}  // namespace agent_replay
