#pragma once
// A child process joined to us by three pipes: its stdin, stdout and stderr.
// Workers are such children (a `docker run -i` client whose container runs
// the agent), and so is every short docker CLI call. Each child gets its own
// process group, so a Ctrl-C on our terminal reaches us alone and we decide
// how to stop it.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "util/exit_status.h"
#include "util/fd.h"

namespace sandbox {

/// How a child starts, beyond its command line.
struct SpawnOptions {
  /// Its whole environment ("NAME=value"); ours when not given.
  std::optional<std::vector<std::string>> env;
  /// Its working directory; ours when not given.
  std::optional<std::string> cwd;
};

class ChildProcess {
 public:
  /// Starts argv[0] (looked up in PATH). Our ends of the pipes are
  /// non-blocking and close-on-exec. Throws std::system_error if the
  /// program cannot be started.
  explicit ChildProcess(const std::vector<std::string>& argv, const SpawnOptions& options = {});
  /// Kills the child if it still runs, and reaps it.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  int stdin_fd() const { return stdin_.get(); }
  int stdout_fd() const { return stdout_.get(); }
  int stderr_fd() const { return stderr_.get(); }
  /// Gives the child end-of-file on its stdin.
  void close_stdin() { stdin_.reset(); }

  /// The status once the child has exited, without waiting.
  std::optional<util::ExitStatus> try_wait();
  /// Waits for the child to exit.
  util::ExitStatus wait();
  void kill(int sig) const;

 private:
  pid_t pid_ = -1;
  std::optional<util::ExitStatus> status_;
  util::Fd stdin_;
  util::Fd stdout_;
  util::Fd stderr_;
};

/// What a short command printed, and how it ended.
struct CommandOutput {
  util::ExitStatus status;
  std::string out;
  std::string err;
  bool timed_out = false;
};

/// Runs a command to its end with empty stdin, collecting its output; kills
/// it after `timeout`. Throws std::system_error if it cannot be started.
CommandOutput run_to_end(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const SpawnOptions& options = {});

}  // namespace sandbox
