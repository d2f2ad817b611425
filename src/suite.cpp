#include <agent_replay/json_document.hpp>
#include <agent_replay/suite.hpp>

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace agent_replay {
namespace fs = std::filesystem;

std::vector<fs::path> list_fixture_dirs(const fs::path& suite_dir) {
    std::error_code ec;
    if (!fs::is_directory(suite_dir, ec)) {
        throw std::runtime_error(suite_dir.string() + ": not a directory of fixtures");
    }
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(suite_dir, ec)) {
        std::string name = entry.path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        if (entry.is_directory(ec)) out.push_back(entry.path());
    }
    if (ec) throw std::runtime_error(suite_dir.string() + ": cannot list: " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

std::string fixture_test_name(const std::string& directory_name) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string name = "fixture_";
    for (unsigned char c : directory_name) {
        if (std::isalnum(c) || c == '_') {
            name += static_cast<char>(c);
        } else {
            name += "_x";
            name += kHex[c >> 4];
            name += kHex[c & 0xF];
            name += '_';
        }
    }
    return name;
}

fs::path find_repo_root(const fs::path& start) {
    std::error_code ec;
    fs::path at = fs::absolute(start, ec);
    for (fs::path dir = at; !dir.empty(); dir = dir.parent_path()) {
        if (fs::exists(dir / ".git", ec)) return dir;
        if (dir == dir.parent_path()) break;
    }
    return fs::current_path(ec);
}

std::string shell_quote(const std::string& word) {
    bool safe = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == '=' || c == ':' || c == ',';
    });
    if (safe) return word;
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string replay_command_for(const fs::path& fixture_dir, ProxyMode mode, const fs::path& repo_root) {
    std::error_code ec;
    fs::path absolute = fs::weakly_canonical(fs::absolute(fixture_dir, ec), ec);
    fs::path root = fs::weakly_canonical(repo_root, ec);
    fs::path relative = absolute.lexically_relative(root);
    bool inside = !relative.empty() && *relative.begin() != "..";
    std::string shown = inside ? relative.generic_string() : absolute.generic_string();
    if (mode == ProxyMode::record) return "agent-replay record --fixture " + shell_quote(shown);
    return "agent-replay run --fixture " + shell_quote(shown) + " --mode " + std::string(to_string(mode));
}

std::string peek_fixture_tier(const fs::path& fixture_dir) {
    for (const fs::path& file : {fixture_dir / "input.json", fixture_dir.parent_path() / "suite.json"}) {
        std::ifstream in(file);
        if (!in) continue;
        Json doc = parse_untrusted_json(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
        if (doc.is_discarded()) return "";
        if (doc.is_object() && doc.contains("tier") && doc["tier"].is_string()) return doc["tier"].get<std::string>();
    }
    return "daily";
}

}  // namespace agent_replay
