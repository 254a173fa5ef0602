#include "agent/process_tree.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>

namespace agent {
namespace {

struct ProcessInfo {
  pid_t parent = 0;
  bool zombie = false;
};

/// The contents of /proc/PID/stat, or "" if the process is gone.
std::string read_stat(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text(4096, '\0');
  const ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return text;
}

/// pid -> parent and state, from /proc/PID/stat ("pid (comm) S ppid ...";
/// comm may hold spaces and parentheses, so parse from the last ')').
std::map<pid_t, ProcessInfo> process_table() {
  std::map<pid_t, ProcessInfo> table;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    // read(2), not a stream: a process that ends while we read makes the
    // read fail with ESRCH, which a filebuf turns into an exception.
    std::string stat = read_stat((entry.path() / "stat").c_str());
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;  // it ended while we read
    std::istringstream fields(stat.substr(close + 1));
    char state = 0;
    ProcessInfo info;
    if (!(fields >> state >> info.parent)) continue;
    info.zombie = state == 'Z' || state == 'X';
    table[static_cast<pid_t>(std::stol(name))] = info;
  }
  return table;
}

bool descends_from(pid_t pid, pid_t ancestor, const std::map<pid_t, ProcessInfo>& table) {
  // Bounded: a table read while processes come and go may hold a cycle.
  for (size_t hops = 0; hops <= table.size(); ++hops) {
    auto it = table.find(pid);
    if (it == table.end() || it->second.parent <= 0) return false;
    if (it->second.parent == ancestor) return true;
    pid = it->second.parent;
  }
  return false;
}

}  // namespace

void become_subreaper() {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
    throw std::system_error(errno, std::generic_category(), "prctl(PR_SET_CHILD_SUBREAPER)");
  }
}

std::vector<pid_t> live_descendants(pid_t ancestor) {
  const auto table = process_table();
  std::vector<pid_t> result;
  for (const auto& [pid, info] : table) {
    if (!info.zombie && descends_from(pid, ancestor, table)) result.push_back(pid);
  }
  return result;
}

int reap_ended_children() {
  int reaped = 0;
  for (;;) {
    const pid_t pid = waitpid(-1, nullptr, WNOHANG);
    if (pid > 0) {
      ++reaped;
    } else if (pid < 0 && errno == EINTR) {
      continue;
    } else {
      return reaped;  // 0: children left, all running; ECHILD: none left
    }
  }
}

bool end_descendants(std::chrono::milliseconds limit) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + limit;
  const pid_t self = getpid();
  for (;;) {
    // Killing a parent re-parents its children to us: loop until none live.
    const std::vector<pid_t> alive = live_descendants(self);
    for (const pid_t pid : alive) kill(pid, SIGKILL);
    reap_ended_children();
    const bool no_children = waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD;
    if (alive.empty() && no_children) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(alive.empty() ? 1 : 5));
  }
}

}  // namespace agent
