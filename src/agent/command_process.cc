#include "agent/command_process.h"

#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <system_error>

#include "pty/pty.h"

namespace agent {

CommandProcess::CommandProcess(const std::vector<std::string>& argv, const std::string& directory,
                               const std::map<std::string, std::string>& env) {
  pty::Command command{.argv = argv, .directory = directory};
  for (const auto& [name, value] : env) command.env.push_back(name + "=" + value);
  pty::Spawned spawned = pty::spawn(command);
  pid_ = spawned.pid;
  master_ = std::move(spawned.master);
}

CommandProcess::~CommandProcess() {
  if (ending_) return;
  signal_group(SIGKILL);
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

void CommandProcess::signal_group(int sig) const {
  if (!ending_) kill(-pid_, sig);
}

std::optional<util::ExitStatus> CommandProcess::reap(bool block) {
  if (ending_) return ending_;
  int wait_status = 0;
  pid_t r = 0;
  while ((r = waitpid(pid_, &wait_status, block ? 0 : WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r < 0) throw std::system_error(errno, std::generic_category(), "waitpid");
  if (r > 0) ending_ = util::ExitStatus::from_wait_status(wait_status);
  return ending_;
}

}  // namespace agent
