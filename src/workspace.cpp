#include <agent_replay/digest.hpp>
#include <agent_replay/workspace.hpp>

#include <fstream>
#include <stdexcept>

namespace agent_replay {
namespace fs = std::filesystem;

void materialise_workspace(const fs::path& workspace, const std::vector<StateFile>& state) {
    std::error_code ec;
    fs::remove_all(workspace, ec);
    fs::create_directories(workspace, ec);
    if (ec) throw std::runtime_error("cannot create workspace " + workspace.string() + ": " + ec.message());
    for (const auto& file : state) {
        fs::path target = workspace / file.relpath;
        fs::create_directories(target.parent_path(), ec);
        std::ofstream out(target, std::ios::binary | std::ios::trunc);
        out << file.content;
        if (!out) throw std::runtime_error("cannot write state file " + target.string());
    }
}

WorkspaceSnapshot snapshot_workspace(const fs::path& workspace) {
    WorkspaceSnapshot snapshot;
    std::error_code ec;
    if (!fs::is_directory(workspace, ec)) return snapshot;
    for (auto it = fs::recursive_directory_iterator(workspace, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        const fs::directory_entry& entry = *it;
        std::string relpath = entry.path().lexically_relative(workspace).generic_string();
        if (entry.is_symlink(ec)) {
            std::string target = fs::read_symlink(entry.path(), ec).string();
            snapshot[relpath] = FileFingerprint{target.size(), sha256_hex("symlink:" + target)};
        } else if (entry.is_regular_file(ec)) {
            auto digest = sha256_file(entry.path());
            snapshot[relpath] = FileFingerprint{entry.file_size(ec), digest.value_or("unreadable")};
        } else if (!entry.is_directory(ec)) {
            // FIFOs, sockets, devices: never read, but their appearance is a change.
            snapshot[relpath] = FileFingerprint{0, sha256_hex("special")};
        }
    }
    return snapshot;
}

WorkspaceChanges compare_snapshots(const WorkspaceSnapshot& before, const WorkspaceSnapshot& after) {
    WorkspaceChanges changes;
    for (const auto& [path, fingerprint] : after) {
        auto old = before.find(path);
        if (old == before.end()) changes.created.push_back(path);
        else if (!(old->second == fingerprint)) changes.modified.push_back(path);
    }
    for (const auto& [path, fingerprint] : before) {
        if (!after.count(path)) changes.deleted.push_back(path);
    }
    return changes;
}

}  // namespace agent_replay
