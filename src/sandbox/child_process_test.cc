#include "sandbox/child_process.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <system_error>

namespace sandbox {
namespace {

using std::chrono::milliseconds;

TEST(RunToEnd, CollectsBothStreamsAndTheStatus) {
  const CommandOutput output =
      run_to_end({"sh", "-c", "echo out; echo err >&2; exit 3"}, milliseconds(10000));
  EXPECT_EQ(output.out, "out\n");
  EXPECT_EQ(output.err, "err\n");
  EXPECT_EQ(output.status.exit_code, 3);
  EXPECT_FALSE(output.status.success());
  EXPECT_FALSE(output.timed_out);
  EXPECT_EQ(output.status.describe(), "exit status 3");
}

TEST(RunToEnd, GivesTheChildAnEmptyStdin) {
  const CommandOutput output = run_to_end({"cat"}, milliseconds(10000));
  EXPECT_TRUE(output.status.success());
  EXPECT_EQ(output.out, "");
}

TEST(RunToEnd, KillsACommandThatRunsTooLong) {
  const auto started = std::chrono::steady_clock::now();
  const CommandOutput output = run_to_end({"sleep", "30"}, milliseconds(200));
  EXPECT_TRUE(output.timed_out);
  EXPECT_EQ(output.status.signal, SIGKILL);
  EXPECT_EQ(output.status.describe(), "killed by signal 9");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(ChildProcess, AMissingProgramIsAnError) {
  try {
    ChildProcess child({"/nonexistent/program"});
    FAIL() << "started a missing program";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/program"), std::string::npos) << e.what();
  }
}

TEST(ChildProcess, TalksThroughThePipes) {
  ChildProcess child({"cat"});
  ASSERT_EQ(write(child.stdin_fd(), "ping\n", 5), 5);
  child.close_stdin();
  pollfd p{child.stdout_fd(), POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 10000), 1);
  char buffer[16];
  ASSERT_EQ(read(child.stdout_fd(), buffer, sizeof buffer), 5);
  EXPECT_EQ(std::string(buffer, 5), "ping\n");
  EXPECT_EQ(child.wait().exit_code, 0);
}

TEST(ChildProcess, RunsInItsOwnProcessGroup) {
  ChildProcess child({"sleep", "30"});
  EXPECT_EQ(getpgid(child.pid()), child.pid());
  EXPECT_NE(getpgid(child.pid()), getpgrp());
  EXPECT_FALSE(child.try_wait().has_value());
  child.kill(SIGTERM);
  EXPECT_EQ(child.wait().signal, SIGTERM);
}

TEST(ChildProcess, DoesNotInheritIgnoredSignals) {
  const auto previous = std::signal(SIGPIPE, SIG_IGN);
  const CommandOutput output =
      run_to_end({"sh", "-c", "grep SigIgn /proc/self/status"}, milliseconds(10000));
  std::signal(SIGPIPE, previous);
  // glibc's own real-time signals (32, 33) may stay; SIGPIPE (bit 12) must not.
  ASSERT_EQ(output.out.rfind("SigIgn:\t", 0), 0u) << output.out;
  const unsigned long long ignored = std::stoull(output.out.substr(8), nullptr, 16);
  EXPECT_EQ(ignored & (1ULL << (SIGPIPE - 1)), 0u) << output.out;
}

}  // namespace
}  // namespace sandbox
