#pragma once
// One command of a job on a pseudo-terminal of its own, started by
// pty::spawn as pty::Child starts it, but passive: the runner polls the terminal itself, so that it
// can cut a command short on a timeout, and it learns whether the command exited or was killed by a
// signal (pty::Child folds both into one number).

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/exit_status.h"
#include "util/fd.h"

namespace agent {

class CommandProcess {
 public:
  /// Starts argv (looked up in PATH) in `directory`, in a session of its own
  /// whose controlling terminal is a fresh pty of pty::kColumns x pty::kRows,
  /// with our environment plus TERM=xterm-256color plus `env`. Returns once
  /// it has exec'd. Throws pty::ExecError if the exec failed (the child is
  /// then reaped), std::system_error if no pty or process could be made.
  CommandProcess(const std::vector<std::string>& argv, const std::string& directory,
                 const std::map<std::string, std::string>& env);
  /// SIGKILLs the process group and reaps the leader if not yet reaped.
  ~CommandProcess();
  CommandProcess(const CommandProcess&) = delete;
  CommandProcess& operator=(const CommandProcess&) = delete;

  /// The pty's master side, non-blocking.
  int terminal() const { return master_.get(); }
  pid_t pid() const { return pid_; }

  /// Sends sig to the process group, while the leader is unreaped (so the
  /// pid cannot have been reused).
  void signal_group(int sig) const;
  /// waitpid on the leader; the ending once it is reaped.
  std::optional<util::ExitStatus> reap(bool block);

 private:
  util::Fd master_;
  pid_t pid_ = -1;
  std::optional<util::ExitStatus> ending_;
};

}  // namespace agent
