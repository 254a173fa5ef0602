#include "pty/pty.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <stdexcept>

#include "util/exit_status.h"

namespace pty {
namespace {

// After the child exits, a grandchild may still hold the terminal open; we
// stop reading once it has been quiet this long, or after kDrainLimit even
// if it keeps writing.
constexpr int kQuietMs = 100;
constexpr auto kDrainLimit = std::chrono::seconds(1);

std::string name_of(const std::string& entry) { return entry.substr(0, entry.find('=')); }

/// Our environment with TERM set, then the command's entries, each name once.
std::vector<std::string> child_environment(const Command& command) {
  std::vector<std::string> added{"TERM=xterm-256color"};
  added.insert(added.end(), command.env.begin(), command.env.end());
  auto overridden = [&](const std::string& entry, size_t from) {
    for (size_t i = from; i < added.size(); ++i) {
      if (name_of(added[i]) == name_of(entry)) return true;
    }
    return false;
  };
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    if (!overridden(*e, 0)) env.emplace_back(*e);
  }
  for (size_t i = 0; i < added.size(); ++i) {
    if (!overridden(added[i], i + 1)) env.push_back(added[i]);
  }
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> result;
  result.reserve(strings.size() + 1);
  for (auto& s : strings) result.push_back(s.data());
  result.push_back(nullptr);
  return result;
}

/// In the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(char** argv, char** envp, const char* directory, int error_pipe) {
  // Ignored signals and the mask survive exec. The child starts clean, as on
  // a fresh terminal, whether we were started under nohup, with `&` (SIGINT
  // ignored) or by something blocking signals; the ones we forward must work.
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (*directory == '\0' || chdir(directory) == 0) {
    environ = envp;  // so that execvp searches the child's PATH
    execvp(argv[0], argv);
  }
  int error = errno;
  while (write(error_pipe, &error, sizeof error) < 0 && errno == EINTR) {
  }
  _exit(127);
}

}  // namespace

ExecError::ExecError(int error, const std::string& program)
    : std::system_error(error, std::generic_category(), "cannot run '" + program + "'") {}

Spawned spawn(const Command& command) {
  if (command.argv.empty()) throw std::invalid_argument("pty::spawn: empty command");
  const std::string& program = command.argv[0];
  std::vector<std::string> argv_strings = command.argv;
  std::vector<std::string> env_strings = child_environment(command);
  std::vector<char*> argv = c_strings(argv_strings);
  std::vector<char*> envp = c_strings(env_strings);

  // Closed on a successful exec; otherwise the child writes its errno there.
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
    throw std::system_error(errno, std::generic_category(), "cannot run '" + program + "': pipe");
  }
  util::Fd error_read(pipe_fds[0]);
  util::Fd error_write(pipe_fds[1]);

  winsize size{};
  size.ws_col = kColumns;
  size.ws_row = kRows;
  int master = -1;
  // Default termios: ONLCR stays on, so "\n" reaches us as "\r\n", as a
  // terminal shows it.
  const pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot run '" + program + "': no pseudo-terminal");
  }
  if (pid == 0) exec_child(argv.data(), envp.data(), command.directory.c_str(), error_write.get());
  Spawned spawned{pid, util::Fd(master)};
  fcntl(master, F_SETFD, FD_CLOEXEC);
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  error_write.reset();

  int error = 0;
  ssize_t n = 0;
  while ((n = read(error_read.get(), &error, sizeof error)) < 0 && errno == EINTR) {
  }
  if (n > 0) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    throw ExecError(error, program);
  }
  return spawned;
}

Child::Child(const Command& command) {
  Spawned spawned = spawn(command);
  pid_ = spawned.pid;
  master_ = std::move(spawned.master);
}

Child::~Child() {
  if (reaped_) return;
  signal(SIGKILL);
  // Not reap(): a destructor must not throw.
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

void Child::signal(int sig) const {
  if (!reaped_) kill(-pid_, sig);
}

bool Child::reap(bool block) {
  if (reaped_) return true;
  int wait_status = 0;
  pid_t r = 0;
  while ((r = waitpid(pid_, &wait_status, block ? 0 : WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r < 0) throw std::system_error(errno, std::generic_category(), "waitpid");
  if (r == 0) return false;
  reaped_ = true;
  status_ = util::ExitStatus::from_wait_status(wait_status).shell_status();
  return true;
}

int Child::run(const std::function<void(std::string_view)>& on_output) {
  using Clock = std::chrono::steady_clock;
  std::array<char, size_t{64} * 1024> buffer;
  Clock::time_point exited_at;
  bool exited = reap(false);
  if (exited) exited_at = Clock::now();
  for (;;) {
    pollfd p{master_.get(), POLLIN, 0};
    int ready = poll(&p, 1, kQuietMs);
    if (ready < 0) {
      if (errno == EINTR) continue;  // e.g. a signal we forward
      throw std::system_error(errno, std::generic_category(), "poll on pty");
    }
    if (ready > 0) {
      ssize_t n = read(master_.get(), buffer.data(), buffer.size());
      if (n > 0) {
        on_output(std::string_view(buffer.data(), n));
      } else if (n == 0 || errno == EIO) {
        break;  // every process has closed the terminal
      } else if (errno != EINTR && errno != EAGAIN) {
        throw std::system_error(errno, std::generic_category(), "read from pty");
      }
    }
    if (!exited) {
      exited = reap(false);
      if (exited) exited_at = Clock::now();
    } else if (ready == 0 || Clock::now() - exited_at > kDrainLimit) {
      break;  // only a grandchild still holds the terminal
    }
  }
  reap(true);
  return status_;
}

}  // namespace pty
