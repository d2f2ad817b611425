#include <agent_replay/agent_process.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

extern char** environ;

namespace agent_replay {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
    int read_end = -1;
    int write_end = -1;
};

Pipe make_pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return {};
    return {fds[0], fds[1]};
}

void close_fd(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
}

// Appends what can be read now; returns false at end of stream.
bool drain(int fd, std::string& kept, std::size_t& dropped, std::size_t limit) {
    std::array<char, 16384> buffer;
    ssize_t got = read(fd, buffer.data(), buffer.size());
    if (got < 0) return errno == EINTR || errno == EAGAIN;
    if (got == 0) return false;
    std::size_t size = static_cast<std::size_t>(got);
    std::size_t room = kept.size() < limit ? limit - kept.size() : 0;
    kept.append(buffer.data(), std::min(room, size));
    dropped += size - std::min(room, size);
    return true;
}

// argv/envp are built before fork: only async-signal-safe calls happen in the child.
struct ExecImage {
    std::vector<std::string> strings;
    std::vector<char*> argv;
    std::vector<char*> envp;
    std::string cwd;
    std::string exec_failure;
    std::string chdir_failure;
};

ExecImage prepare_exec(const ProcessSpec& spec) {
    ExecImage image;
    image.strings.reserve(spec.argv.size() + spec.env.size());
    for (const auto& arg : spec.argv) image.strings.push_back(arg);
    for (const auto& [key, value] : spec.env) image.strings.push_back(key + "=" + value);
    for (std::size_t i = 0; i < image.strings.size(); ++i) {
        (i < spec.argv.size() ? image.argv : image.envp).push_back(image.strings[i].data());
    }
    image.argv.push_back(nullptr);
    image.envp.push_back(nullptr);
    image.cwd = spec.cwd.string();
    image.exec_failure = "cannot execute '" + spec.argv[0] + "'";
    image.chdir_failure = "cannot enter working directory " + image.cwd;
    return image;
}

[[noreturn]] void exec_child(ExecImage& image, const Pipe& out, const Pipe& err, int status_fd, pid_t runner) {
    setpgid(0, 0);
    // If the runner dies without cleaning up (SIGKILL, crash), the agent goes with it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != runner) _exit(127);
    dup2(out.write_end, STDOUT_FILENO);
    dup2(err.write_end, STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    // Other threads (parallel replays) open sockets and files without
    // O_CLOEXEC; none of them is the agent's business.
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    // Default signal dispositions for the agent, whatever the runner ignores.
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    auto report = [&](const std::string& what) {
        int error = errno;
        (void)!write(status_fd, what.data(), what.size());
        (void)!write(status_fd, ": ", 2);
        const char* reason = strerror(error);
        (void)!write(status_fd, reason, strlen(reason));
        _exit(127);
    };
    if (chdir(image.cwd.c_str()) != 0) report(image.chdir_failure);
    environ = image.envp.data();  // so execvp searches the agent's PATH
    execvp(image.argv[0], image.argv.data());
    report(image.exec_failure);
    _exit(127);
}

// Kills every process (but this one) whose environment holds `marker`; a few
// passes, since a dying parent's children may still be starting.
void kill_marked_survivors(const std::string& marker) {
    if (marker.empty()) return;
    std::string needle = marker + '\0';
    pid_t self = getpid();
    for (int pass = 0; pass < 3; ++pass) {
        bool found = false;
        DIR* proc = opendir("/proc");
        if (!proc) return;
        while (dirent* entry = readdir(proc)) {
            char* end = nullptr;
            long pid = std::strtol(entry->d_name, &end, 10);
            if (pid <= 0 || *end != '\0' || pid == self) continue;
            std::ifstream in(std::string("/proc/") + entry->d_name + "/environ", std::ios::binary);
            std::string environ_text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            environ_text += '\0';
            if (environ_text.find(needle) == std::string::npos) continue;
            // Match whole entries only: the marker must start an entry.
            std::size_t at = environ_text.find(needle);
            if (at != 0 && environ_text[at - 1] != '\0') continue;
            kill(static_cast<pid_t>(pid), SIGKILL);
            found = true;
        }
        closedir(proc);
        if (!found) return;
        usleep(20 * 1000);
    }
}

}  // namespace

std::map<std::string, std::string> current_environment() {
    std::map<std::string, std::string> env;
    for (char** entry = environ; entry && *entry; ++entry) {
        std::string text(*entry);
        auto equals = text.find('=');
        if (equals != std::string::npos) env[text.substr(0, equals)] = text.substr(equals + 1);
    }
    return env;
}

ProcessOutcome run_agent_process(const ProcessSpec& spec) {
    ProcessOutcome outcome;
    if (spec.argv.empty()) {
        outcome.start_error = "empty agent command";
        return outcome;
    }
    Pipe out = make_pipe();
    Pipe err = make_pipe();
    Pipe status = make_pipe();  // stays empty unless exec fails (CLOEXEC closes it on success)
    if (out.read_end < 0 || err.read_end < 0 || status.read_end < 0) {
        outcome.start_error = std::string("cannot create pipes: ") + std::strerror(errno);
        return outcome;
    }
    ExecImage image = prepare_exec(spec);
    pid_t runner = getpid();
    Clock::time_point start = Clock::now();
    pid_t pid = fork();
    if (pid < 0) {
        outcome.start_error = std::string("fork failed: ") + std::strerror(errno);
        return outcome;
    }
    if (pid == 0) exec_child(image, out, err, status.write_end, runner);
    setpgid(pid, pid);  // also in the parent, so the group exists before we might signal it
    close_fd(out.write_end);
    close_fd(err.write_end);
    close_fd(status.write_end);

    std::string exec_error;
    std::size_t unused = 0;
    while (drain(status.read_end, exec_error, unused, 4096)) {
    }
    close_fd(status.read_end);
    if (!exec_error.empty()) {
        waitpid(pid, nullptr, 0);
        outcome.start_error = exec_error;
        close_fd(out.read_end);
        close_fd(err.read_end);
        return outcome;
    }
    outcome.started = true;

    Clock::time_point deadline = start + spec.timeout;
    Clock::time_point kill_at = Clock::time_point::max();
    bool exited = false;
    int wait_status = 0;
    while (!exited) {
        std::array<pollfd, 2> fds{{{out.read_end, POLLIN, 0}, {err.read_end, POLLIN, 0}}};
        int count = poll(fds.data(), fds.size(), 20);
        if (count > 0) {
            if (out.read_end >= 0 && (fds[0].revents & (POLLIN | POLLHUP)) &&
                !drain(out.read_end, outcome.stdout_text, outcome.stdout_dropped, spec.output_limit)) {
                close_fd(out.read_end);
            }
            if (err.read_end >= 0 && (fds[1].revents & (POLLIN | POLLHUP)) &&
                !drain(err.read_end, outcome.stderr_text, outcome.stderr_dropped, spec.output_limit)) {
                close_fd(err.read_end);
            }
        }
        pid_t done = waitpid(pid, &wait_status, WNOHANG);
        if (done == pid) {
            exited = true;
            break;
        }
        Clock::time_point now = Clock::now();
        bool interrupted = spec.interrupt && spec.interrupt->load();
        bool should_stop = now >= deadline || interrupted || (spec.abort && spec.abort->load());
        if (should_stop && kill_at == Clock::time_point::max()) {
            if (interrupted) outcome.interrupted = outcome.aborted = true;
            else if (now >= deadline) outcome.timed_out = true;
            else outcome.aborted = true;
            kill(-pid, SIGTERM);
            kill_at = now + spec.kill_grace;
        }
        if (now >= kill_at) {
            kill(-pid, SIGKILL);
            kill_at = Clock::time_point::max() - std::chrono::hours(1);  // sent once
        }
    }
    // The agent is gone; whatever it left behind in its group goes too, and
    // so does anything that escaped the group but still carries the run's marker.
    kill(-pid, SIGKILL);
    kill_marked_survivors(spec.survivor_marker);
    for (int* fd : {&out.read_end, &err.read_end}) {
        if (*fd < 0) continue;
        int flags = fcntl(*fd, F_GETFL);
        fcntl(*fd, F_SETFL, flags | O_NONBLOCK);
        std::string& kept = fd == &out.read_end ? outcome.stdout_text : outcome.stderr_text;
        std::size_t& dropped = fd == &out.read_end ? outcome.stdout_dropped : outcome.stderr_dropped;
        while (true) {
            ssize_t before = static_cast<ssize_t>(kept.size() + dropped);
            if (!drain(*fd, kept, dropped, spec.output_limit)) break;
            if (static_cast<ssize_t>(kept.size() + dropped) == before) break;
        }
        close_fd(*fd);
    }
    outcome.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (WIFEXITED(wait_status)) outcome.exit_code = WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) outcome.signal = WTERMSIG(wait_status);
    return outcome;
}

}  // namespace agent_replay
