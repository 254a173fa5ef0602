#include "pty/pty.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

#include "pty/signal_forwarder.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Result {
  int status;
  std::string output;
};

Result run(const pty::Command& command) {
  pty::Child child(command);
  std::string output;
  int status = child.run([&](std::string_view bytes) { output += bytes; });
  return {status, output};
}

Result sh(const std::string& script) { return run({.argv = {"sh", "-c", script}}); }

TEST(Pty, WindowIs128By64) {
  Result r = run({.argv = {"stty", "size"}});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.output, "64 128\r\n");
}

TEST(Pty, ChildSeesATerminalOnEveryStream) {
  EXPECT_EQ(sh("test -t 0 && test -t 1 && test -t 2").status, 0);
}

TEST(Pty, ChildLeadsASessionWithThePtyAsControllingTerminal) {
  // Fields 6 and 7 of /proc/PID/stat are the session id and the tty.
  Result r =
      sh("set -- $(cat /proc/$$/stat); test \"$6\" = \"$$\" && test \"$7\" != 0 && "
         "true </dev/tty");
  EXPECT_EQ(r.status, 0) << r.output;
}

TEST(Pty, TermIsXterm256ColorWhateverOurs) {
  setenv("TERM", "dumb", 1);
  Result r = sh("printf %s \"$TERM\"");
  unsetenv("TERM");
  EXPECT_EQ(r.output, "xterm-256color");
}

TEST(Pty, ExtraEnvironmentOverridesOurs) {
  setenv("CAH_PTY_TEST", "ours", 1);
  Result r = run({.argv = {"sh", "-c", R"(printf '%s %s' "$CAH_PTY_TEST" "$TERM")"},
                  .env = {"CAH_PTY_TEST=theirs", "TERM=vt100"}});
  unsetenv("CAH_PTY_TEST");
  EXPECT_EQ(r.output, "theirs vt100");
}

TEST(Pty, NewlineArrivesAsCrLf) { EXPECT_EQ(sh("printf 'a\\nb\\n'").output, "a\r\nb\r\n"); }

TEST(Pty, ExitCodePropagates) { EXPECT_EQ(sh("exit 3").status, 3); }

TEST(Pty, KilledBySignalIs128PlusSignal) { EXPECT_EQ(sh("kill -9 $$").status, 128 + SIGKILL); }

TEST(Pty, MissingCommandIsAnExecError) {
  try {
    run({.argv = {"nosuchcmd-cah"}});
    FAIL() << "no exception";
  } catch (const pty::ExecError& e) {
    EXPECT_STREQ(e.what(), "cannot run 'nosuchcmd-cah': No such file or directory");
    EXPECT_EQ(e.status(), 127);
  }
}

TEST(Pty, NonExecutableIsAnExecError) {
  try {
    run({.argv = {"/dev/null"}});
    FAIL() << "no exception";
  } catch (const pty::ExecError& e) {
    EXPECT_STREQ(e.what(), "cannot run '/dev/null': Permission denied");
    EXPECT_EQ(e.status(), 126);
  }
}

TEST(Pty, LargeOutputArrivesCompleteAndInOrder) {
  Result r = run({.argv = {"seq", "1", "700000"}});
  std::string expected;
  for (int i = 1; i <= 700000; ++i) expected += std::to_string(i) + "\r\n";
  EXPECT_EQ(r.status, 0);
  ASSERT_EQ(r.output.size(), expected.size());
  EXPECT_TRUE(r.output == expected);
}

TEST(Pty, OutputIsStreamedAsItArrives) {
  pty::Child child({.argv = {"sh", "-c", "echo first; sleep 1; echo second"}});
  Clock::time_point first_seen;
  std::string output;
  child.run([&](std::string_view bytes) {
    if (output.empty()) first_seen = Clock::now();
    output += bytes;
  });
  EXPECT_EQ(output, "first\r\nsecond\r\n");
  EXPECT_GT(Clock::now() - first_seen, std::chrono::milliseconds(700));
}

TEST(Pty, GrandchildHoldingTheTerminalDoesNotHoldUsUp) {
  auto start = Clock::now();
  // The grandchild ignores the hangup its session gets when sh exits.
  Result r = sh("trap '' HUP; sleep 30 & echo $!");
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(r.status, 0);
  pid_t grandchild = std::stoi(r.output);
  EXPECT_EQ(kill(grandchild, SIGKILL), 0) << "grandchild was not left running";
}

TEST(Pty, OurStdinIsNotRead) {
  int saved_stdin = dup(0);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], "queue\n", 6), 6);
  close(fds[1]);
  dup2(fds[0], 0);
  close(fds[0]);

  Result r = sh("echo hi");

  char buffer[16];
  ssize_t n = read(0, buffer, sizeof buffer);
  dup2(saved_stdin, 0);
  close(saved_stdin);
  EXPECT_EQ(r.output, "hi\r\n");
  EXPECT_EQ(std::string(buffer, n > 0 ? n : 0), "queue\n");
}

TEST(Pty, SignalGoesToTheProcessGroup) {
  // SIGTERM, not SIGINT: `sh -c` catches SIGINT to wait for its command, so
  // a SIGINT that lands before sleep is forked would be held for 30 s.
  pty::Child child({.argv = {"sh", "-c", "sleep 30; echo not reached"}});
  auto start = Clock::now();
  child.signal(SIGTERM);
  EXPECT_EQ(child.run([](std::string_view) {}), 128 + SIGTERM);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(Pty, ChildGetsSignalsWeIgnoreOrBlock) {
  // As when we run under nohup or with `&`, or block signals to handle them.
  struct sigaction ignore {
  }, old_int, old_hup;
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ignore, &old_int);
  sigaction(SIGHUP, &ignore, &old_hup);
  sigset_t term, old_mask;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, &old_mask);

  int statuses[3];
  int signals[3] = {SIGINT, SIGHUP, SIGTERM};
  for (int i = 0; i < 3; ++i) {
    pty::Child child({.argv = {"sleep", "30"}});
    child.signal(signals[i]);
    statuses[i] = child.run([](std::string_view) {});
  }

  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGHUP, &old_hup, nullptr);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(statuses[i], 128 + signals[i]) << strsignal(signals[i]);
}

TEST(Pty, ForwarderSendsOurSignalsToTheChild) {
  pty::Child child({.argv = {"sleep", "30"}});
  auto start = Clock::now();
  {
    pty::SignalForwarder forwarder(child);
    raise(SIGTERM);
    EXPECT_EQ(child.run([](std::string_view) {}), 128 + SIGTERM);
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(Pty, OnlyOneForwarderAtATime) {
  pty::Child child({.argv = {"true"}});
  pty::SignalForwarder forwarder(child);
  EXPECT_THROW(pty::SignalForwarder second(child), std::logic_error);
}

TEST(Pty, DestroyingARunningChildKillsIt) {
  pid_t pid;
  auto start = Clock::now();
  {
    pty::Child child({.argv = {"sleep", "30"}});
    pid = child.pid();
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(kill(pid, 0), 0);
}

}  // namespace
