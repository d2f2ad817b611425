#pragma once
// Replaying many fixtures: choosing which (shard, rerun) and running them in
// parallel, each isolated (its own proxy, workspace and report folder).
#include <agent_replay/fixture_result.hpp>
#include <agent_replay/replay.hpp>

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace agent_replay {

// The fixtures of shard `index` of `total`: every total-th one of the sorted
// list, starting at `index`, so shards are disjoint, cover the suite, and do
// not move when an unrelated fixture is added at the end.
std::vector<std::filesystem::path> shard_of(const std::vector<std::filesystem::path>& dirs, int index, int total);

// The directories whose name is one of `ids`, in their original order.
std::vector<std::filesystem::path> only_fixtures(const std::vector<std::filesystem::path>& dirs,
                                                 const std::vector<std::string>& ids);

// Replays `dirs` with up to `jobs` at a time (0: one per core). Results come
// back in the order of `dirs`, whatever order they finish in; `on_done` runs
// once per fixture, one call at a time, as each finishes (with how many are
// done). Stops starting new fixtures once `options.interrupt` is set: the
// result then holds only those that ran.
std::vector<FixtureResult> replay_batch(const std::vector<std::filesystem::path>& dirs, const ReplayOptions& options,
                                        std::size_t jobs,
                                        const std::function<void(const FixtureResult&, std::size_t done)>& on_done);

}  // namespace agent_replay
