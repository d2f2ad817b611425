#pragma once
// Runs the agent under test as a subprocess in its own process group, with
// bounded output capture and a timeout that takes the whole group down.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace agent_replay {

struct ProcessSpec {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;  // the complete environment
    std::filesystem::path cwd;
    std::chrono::milliseconds timeout{60000};
    std::chrono::milliseconds kill_grace{2000};  // SIGTERM -> SIGKILL
    std::size_t output_limit = 1 << 20;           // bytes kept per stream
    const std::atomic<bool>* abort = nullptr;     // set to end the run early (strict mode)
    const std::atomic<bool>* interrupt = nullptr; // set when the user interrupts (Ctrl-C)
    // "NAME=value" present in `env` and unique to this run: processes that left
    // the group (setsid, double fork) but still carry it are killed at the end.
    std::string survivor_marker;
};

struct ProcessOutcome {
    bool started = false;
    std::string start_error;   // why exec failed, when !started
    int exit_code = -1;        // valid when exited normally
    int signal = 0;            // the signal that ended it, 0 if none
    bool timed_out = false;
    bool aborted = false;      // ended early through `abort` or `interrupt`
    bool interrupted = false;  // ended early through `interrupt`
    std::string stdout_text;
    std::string stderr_text;
    std::size_t stdout_dropped = 0;  // bytes beyond output_limit
    std::size_t stderr_dropped = 0;
    double wall_seconds = 0;
};

// Runs to completion. On timeout or abort the whole process group gets
// SIGTERM, then SIGKILL after `kill_grace`; once the agent is gone, any
// process left in its group is killed too, so nothing of the run survives.
ProcessOutcome run_agent_process(const ProcessSpec& spec);

// The current process environment as a map.
std::map<std::string, std::string> current_environment();

}  // namespace agent_replay
