#include <agent_replay/batch.hpp>

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace agent_replay {
namespace fs = std::filesystem;

std::vector<fs::path> shard_of(const std::vector<fs::path>& dirs, int index, int total) {
    std::vector<fs::path> out;
    if (total <= 0 || index < 0 || index >= total) return out;
    for (std::size_t i = static_cast<std::size_t>(index); i < dirs.size(); i += static_cast<std::size_t>(total)) {
        out.push_back(dirs[i]);
    }
    return out;
}

std::vector<fs::path> only_fixtures(const std::vector<fs::path>& dirs, const std::vector<std::string>& ids) {
    std::set<std::string> wanted(ids.begin(), ids.end());
    std::vector<fs::path> out;
    for (const auto& dir : dirs) {
        fs::path name = dir.lexically_normal();  // "suite/x/" names x too
        if (name.filename().empty()) name = name.parent_path();
        if (wanted.count(name.filename().string())) out.push_back(dir);
    }
    return out;
}

std::vector<FixtureResult> replay_batch(const std::vector<fs::path>& dirs, const ReplayOptions& options,
                                        std::size_t jobs,
                                        const std::function<void(const FixtureResult&, std::size_t)>& on_done) {
    if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
    jobs = std::min(jobs, std::max<std::size_t>(1, dirs.size()));
    std::vector<std::optional<FixtureResult>> slots(dirs.size());
    std::mutex mutex;
    std::size_t next = 0, done = 0;
    auto worker = [&] {
        for (;;) {
            std::size_t index;
            {
                std::lock_guard<std::mutex> lock(mutex);
                if (next == dirs.size() || (options.interrupt && *options.interrupt)) return;
                index = next++;
            }
            FixtureResult result = replay_fixture(dirs[index], options);
            std::lock_guard<std::mutex> lock(mutex);
            slots[index] = std::move(result);
            if (on_done) on_done(*slots[index], ++done);
        }
    };
    if (jobs == 1) {
        worker();
    } else {
        // Each replay waits on its agent; the threads only wait, so one per job is cheap.
        // A child's PDEATHSIG follows the thread that forked it: these threads live until every agent is reaped.
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < jobs; ++i) threads.emplace_back(worker);
        for (auto& thread : threads) thread.join();
    }
    std::vector<FixtureResult> results;
    for (auto& slot : slots) {
        if (slot) results.push_back(std::move(*slot));
    }
    return results;
}

}  // namespace agent_replay
