#include "util/exit_status.h"

#include <sys/wait.h>

namespace util {

ExitStatus ExitStatus::from_wait_status(int wait_status) {
  if (WIFSIGNALED(wait_status)) return {.signal = WTERMSIG(wait_status)};
  return {.exit_code = WEXITSTATUS(wait_status)};
}

std::string ExitStatus::describe() const {
  if (signal) return "killed by signal " + std::to_string(*signal);
  return "exit status " + std::to_string(exit_code.value_or(-1));
}

}  // namespace util
