#include <agent_replay/glob.hpp>

#include <fnmatch.h>

namespace agent_replay {
namespace {

std::vector<std::string> split_segments(const std::string& path) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        if (end > start) out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

bool match_from(const std::vector<std::string>& pattern, std::size_t p, const std::vector<std::string>& path,
                std::size_t s) {
    if (p == pattern.size()) return s == path.size();
    if (pattern[p] == "**") {
        for (std::size_t skip = s; skip <= path.size(); ++skip) {
            if (match_from(pattern, p + 1, path, skip)) return true;
        }
        return false;
    }
    if (s == path.size()) return false;
    // Segment matching is fnmatch(3); FNM_PERIOD keeps `*` from matching dotfiles by accident.
    if (fnmatch(pattern[p].c_str(), path[s].c_str(), FNM_PERIOD) != 0) return false;
    return match_from(pattern, p + 1, path, s + 1);
}

}  // namespace

bool glob_matches(const std::string& pattern, const std::string& relpath) {
    return match_from(split_segments(pattern), 0, split_segments(relpath), 0);
}

bool any_glob_matches(const std::vector<std::string>& patterns, const std::string& relpath) {
    for (const auto& pattern : patterns) {
        if (glob_matches(pattern, relpath)) return true;
    }
    return false;
}

}  // namespace agent_replay
