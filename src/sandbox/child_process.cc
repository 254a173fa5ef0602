#include "sandbox/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <system_error>

namespace sandbox {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  util::Fd read;
  util::Fd write;
};

Pipe make_pipe() {
  std::array<int, 2> fds{};
  if (pipe2(fds.data(), O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "pipe");
  }
  return {util::Fd(fds[0]), util::Fd(fds[1])};
}

void set_nonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    throw std::system_error(errno, std::generic_category(), "fcntl O_NONBLOCK");
  }
}

/// posix_spawn's C structures, destroyed on every path.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attributes_);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attributes_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attributes_{};
};

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const SpawnOptions& options) {
  Pipe in = make_pipe();
  Pipe out = make_pipe();
  Pipe err = make_pipe();

  SpawnSetup setup;
  posix_spawn_file_actions_adddup2(&setup.actions_, in.read.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions_, out.write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions_, err.write.get(), STDERR_FILENO);
  // Signals we ignore or block (SIGPIPE, SIGINT while stopping) must not
  // stay ignored in the child.
  sigset_t defaults;
  sigfillset(&defaults);
  sigset_t no_mask;
  sigemptyset(&no_mask);
  posix_spawnattr_setsigdefault(&setup.attributes_, &defaults);
  posix_spawnattr_setsigmask(&setup.attributes_, &no_mask);
  posix_spawnattr_setpgroup(&setup.attributes_, 0);
  posix_spawnattr_setflags(&setup.attributes_,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  if (options.cwd) posix_spawn_file_actions_addchdir_np(&setup.actions_, options.cwd->c_str());

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  if (options.env) {
    env.reserve(options.env->size() + 1);
    for (const auto& entry : *options.env) env.push_back(const_cast<char*>(entry.c_str()));
    env.push_back(nullptr);
  }
  const int error = posix_spawnp(&pid_, args[0], &setup.actions_, &setup.attributes_, args.data(),
                                 options.env ? env.data() : environ);
  if (error != 0) {
    throw std::system_error(error, std::generic_category(), "cannot run '" + argv.at(0) + "'");
  }
  stdin_ = std::move(in.write);
  stdout_ = std::move(out.read);
  stderr_ = std::move(err.read);
  set_nonblocking(stdin_.get());
  set_nonblocking(stdout_.get());
  set_nonblocking(stderr_.get());
}

ChildProcess::~ChildProcess() {
  if (!status_) {
    kill(SIGKILL);
    wait();
  }
}

std::optional<util::ExitStatus> ChildProcess::try_wait() {
  if (status_) return status_;
  int status = 0;
  pid_t reaped = 0;
  do {
    reaped = waitpid(pid_, &status, WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == pid_) status_ = util::ExitStatus::from_wait_status(status);
  return status_;
}

util::ExitStatus ChildProcess::wait() {
  if (status_) return *status_;
  int status = 0;
  pid_t reaped = 0;
  do {
    reaped = waitpid(pid_, &status, 0);
  } while (reaped < 0 && errno == EINTR);
  status_ = reaped == pid_ ? util::ExitStatus::from_wait_status(status)
                           : util::ExitStatus{.signal = SIGKILL};
  return *status_;
}

void ChildProcess::kill(int sig) const {
  if (!status_) ::kill(pid_, sig);
}

CommandOutput run_to_end(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const SpawnOptions& options) {
  ChildProcess child(argv, options);
  child.close_stdin();
  CommandOutput output;
  const Clock::time_point deadline = Clock::now() + timeout;
  std::array<char, 16384> buffer;
  std::array<pollfd, 2> fds{pollfd{child.stdout_fd(), POLLIN, 0},
                            pollfd{child.stderr_fd(), POLLIN, 0}};
  std::array<std::string*, 2> sinks{&output.out, &output.err};
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      output.timed_out = true;
      child.kill(SIGKILL);
      break;
    }
    if (poll(fds.data(), fds.size(), static_cast<int>(left)) < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "poll");
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer.data(), buffer.size());
      if (n > 0) {
        sinks[i]->append(buffer.data(), static_cast<size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        fds[i].fd = -1;
      }
    }
  }
  output.status = child.wait();
  return output;
}

}  // namespace sandbox
