#pragma once
// How a process ended, as waitpid tells it: the one exit-status type of the
// sandbox's children, the agent's commands and the pty.

#include <optional>
#include <string>

namespace util {

/// Exactly one of the two is set.
struct ExitStatus {
  std::optional<int> exit_code;
  std::optional<int> signal;

  /// From a status waitpid stored for a process that has ended.
  static ExitStatus from_wait_status(int wait_status);

  /// "exit status 3", "killed by signal 9".
  std::string describe() const;
  bool success() const { return exit_code == 0; }
  /// The status a shell reports: the exit code, or 128+signal.
  int shell_status() const { return signal ? 128 + *signal : exit_code.value_or(-1); }
};

}  // namespace util
