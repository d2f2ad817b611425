#include <agent_replay/report.hpp>
#include <agent_replay/suite_reports.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace agent_replay {
namespace fs = std::filesystem;

void write_file_atomically(const fs::path& file, const std::string& content) {
    std::error_code ec;
    if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
    fs::path temporary = file;
    temporary += ".tmp." + std::to_string(getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << content;
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + temporary.string());
    }
    fs::rename(temporary, file, ec);
    if (ec) throw std::runtime_error("cannot rename " + temporary.string() + " to " + file.string() + ": " + ec.message());
}

void write_fixture_result(const fs::path& report_dir, const std::string& folder, const FixtureResult& result) {
    write_file_atomically(report_dir / "fixtures" / folder / "verdict.json", nlohmann::json(result).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

std::vector<FixtureResult> read_fixture_results(const fs::path& report_dir) {
    std::vector<FixtureResult> results;
    std::error_code ec;
    fs::path root = report_dir / "fixtures";
    if (!fs::is_directory(root, ec)) return results;
    for (const auto& entry : fs::directory_iterator(root, ec)) {
        fs::path file = entry.path() / "verdict.json";
        if (!fs::exists(file, ec)) continue;
        std::ifstream in(file);
        nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
        FixtureResult result;
        try {
            result = doc.get<FixtureResult>();
        } catch (const std::exception& error) {
            result.fixture_id = entry.path().filename().string();
            result.verdict = Verdict::inconclusive;
            result.reasons = {Reason{"harness_error", "harness",
                                     file.string() + " is unreadable: " + std::string(error.what()), file.string(), nullptr}};
        }
        results.push_back(std::move(result));
    }
    std::sort(results.begin(), results.end(),
              [](const FixtureResult& a, const FixtureResult& b) { return a.fixture_id < b.fixture_id; });
    return results;
}

fs::path merge_report(const fs::path& report_dir, const std::string& suite_name) {
    std::vector<FixtureResult> results = read_fixture_results(report_dir);
    return write_suite_reports(report_dir, results, environment_of(results, suite_name, report_dir));
}

namespace {

// Kept workspaces may hold FIFOs or sockets an agent left behind: those are not copied.
void copy_tree_skipping_special_files(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    fs::create_directories(to, ec);
    for (auto it = fs::recursive_directory_iterator(from, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
        fs::path target = to / it->path().lexically_relative(from);
        fs::file_status status = it->symlink_status(ec);
        if (fs::is_symlink(status)) {
            fs::copy_symlink(it->path(), target, ec);
        } else if (fs::is_directory(status)) {
            fs::create_directories(target, ec);
        } else if (fs::is_regular_file(status)) {
            fs::copy_file(it->path(), target, fs::copy_options::overwrite_existing, ec);
            if (ec) throw std::runtime_error("cannot copy " + it->path().string() + ": " + ec.message());
        }
    }
}

}  // namespace

std::vector<std::string> import_fixture_reports(const fs::path& from, const fs::path& into) {
    std::vector<std::string> names;
    std::error_code ec;
    if (fs::equivalent(from, into, ec)) return names;
    for (const auto& entry : fs::directory_iterator(from / "fixtures", ec)) {
        if (!entry.is_directory() || !fs::exists(entry.path() / "verdict.json")) continue;
        fs::path target = into / "fixtures" / entry.path().filename();
        fs::remove_all(target, ec);
        fs::create_directories(target.parent_path(), ec);
        copy_tree_skipping_special_files(entry.path(), target);
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

void reset_report(const fs::path& report_dir) {
    std::error_code ec;
    fs::remove_all(report_dir / "fixtures", ec);
    fs::remove_all(report_dir / "digests", ec);
    for (const char* name : {"junit.xml", "summary.json", "replay_bundle.json", "report.html", "triage_diff.json"}) {
        fs::remove(report_dir / name, ec);
    }
}

std::string failure_text(const FixtureResult& result) {
    std::ostringstream text;
    text << result.replay_command << "\n";
    for (const auto& reason : result.reasons) text << "- " << reason.code << ": " << reason.message << "\n";
    if (!result.workspace.empty()) text << "workspace kept at " << result.workspace << "\n";
    if (!result.report_dir.empty()) text << "stdout, stderr and trace in " << result.report_dir << "\n";
    return text.str();
}

}  // namespace agent_replay
