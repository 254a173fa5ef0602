#pragma once
// A child process on a pseudo-terminal of its own, so that cargo and rustc
// colour and wrap their output exactly as they would for a person, and we
// record the bytes a terminal would have shown.

#include <sys/types.h>

#include <cerrno>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "util/fd.h"

namespace pty {

/// The terminal every log is recorded on; the renderer's screen matches it.
inline constexpr unsigned short kColumns = 128;
inline constexpr unsigned short kRows = 64;

struct Command {
  /// argv[0] is looked up in PATH (the child's PATH, if env overrides it).
  std::vector<std::string> argv;
  /// "NAME=value" entries added to our environment and TERM=xterm-256color;
  /// they override both.
  std::vector<std::string> env = {};
  /// Where the command starts; empty: our working directory.
  std::string directory = {};
};

/// The command could not be executed (missing, not executable, ...).
/// what() reads "cannot run 'cmd': No such file or directory".
class ExecError : public std::system_error {
 public:
  ExecError(int error, const std::string& program);
  /// The status a shell would report: 127 if not found, else 126.
  int status() const { return code().value() == ENOENT ? 127 : 126; }
};

/// A process just started on a new pty: the step under Child, for callers
/// that run their own poll loop over the terminal.
struct Spawned {
  pid_t pid = -1;
  util::Fd master;  // non-blocking, close-on-exec
};

/// Starts the command as a session leader whose controlling terminal is a
/// new kColumns x kRows pty; returns once it has exec'd. Throws ExecError if
/// the exec failed (the child is then reaped), std::system_error if no pty
/// or process could be made.
Spawned spawn(const Command& command);

/// A running child, session leader with the pty as controlling terminal.
/// We hold only the master side: we never write to the child's terminal and
/// never touch our own stdin, so a job queue fed on our stdin stays intact.
class Child {
 public:
  /// Starts the command; returns once it has exec'd. Throws ExecError if
  /// the exec failed, std::system_error if no pty or process could be made.
  explicit Child(const Command& command);
  /// Kills the child's process group and reaps it if run() did not.
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// Streams the terminal's bytes to on_output as they arrive, until the
  /// child has exited and the terminal is drained. Returns the exit code,
  /// or 128+signal if the child was killed. Call once.
  int run(const std::function<void(std::string_view)>& on_output);

  /// Sends sig to the child's process group (it has its own session, so no
  /// terminal delivers a Ctrl-C to it).
  void signal(int sig) const;

  pid_t pid() const { return pid_; }

 private:
  /// waitpid, blocking or not; true once the child is reaped.
  bool reap(bool block);

  util::Fd master_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace pty
