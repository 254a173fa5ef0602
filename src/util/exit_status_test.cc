#include "util/exit_status.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

namespace util {
namespace {

/// The wait status of a child that runs `body`.
template <typename Body>
int wait_status_of(Body body) {
  const pid_t pid = fork();
  if (pid == 0) {
    body();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(ExitStatus, AnExitIsItsCode) {
  const ExitStatus status = ExitStatus::from_wait_status(wait_status_of([] { _exit(3); }));
  EXPECT_EQ(status.exit_code, 3);
  EXPECT_EQ(status.signal, std::nullopt);
  EXPECT_FALSE(status.success());
  EXPECT_EQ(status.describe(), "exit status 3");
  EXPECT_EQ(status.shell_status(), 3);
}

TEST(ExitStatus, ZeroIsSuccess) {
  const ExitStatus status = ExitStatus::from_wait_status(wait_status_of([] { _exit(0); }));
  EXPECT_TRUE(status.success());
  EXPECT_EQ(status.shell_status(), 0);
}

TEST(ExitStatus, AKillIsItsSignal) {
  const ExitStatus status =
      ExitStatus::from_wait_status(wait_status_of([] { ::kill(getpid(), SIGKILL); }));
  EXPECT_EQ(status.exit_code, std::nullopt);
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_FALSE(status.success());
  EXPECT_EQ(status.describe(), "killed by signal 9");
  EXPECT_EQ(status.shell_status(), 128 + SIGKILL);
}

}  // namespace
}  // namespace util
