#include "sandbox/worker.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/timerfd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace sandbox {
namespace {

namespace fs = std::filesystem;

/// A worker that is the agent itself, unsandboxed, with scratch folders.
class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cah-worker-test-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "crate");
    std::ofstream(root_ / "crate" / "Cargo.toml")
        << "[package]\nname = \"a\"\nversion = \"1.0.0\"\n";
    // The agent empties its cargo home and ~/.cache between jobs: outside a
    // sandbox they must be scratch folders, never ours.
    setenv("CARGO_HOME", (root_ / "cargo").c_str(), 1);
    setenv("HOME", (root_ / "home").c_str(), 1);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::unique_ptr<Worker> agent_worker() {
    return std::make_unique<Worker>("test",
                                    std::make_unique<ChildProcess>(std::vector<std::string>{
                                        CAH_AGENT_BINARY, "--build-dir", (root_ / "build").string(),
                                        "--writable-dir", (root_ / "tmp").string(), "--nice", "0"}),
                                    nullptr);
  }
  std::unique_ptr<Worker> shell_worker(const std::string& script) {
    return std::make_unique<Worker>(
        "shell", std::make_unique<ChildProcess>(std::vector<std::string>{"sh", "-c", script}),
        nullptr);
  }
  agent::Job job(std::vector<std::string> argv) const {
    return agent::Job{
        .crate = "a",
        .version = "1.0.0",
        .source = {agent::Source::Kind::kDirectory, (root_ / "crate").string()},
        .toolchain = "stable",
        .commands = {{.argv = std::move(argv)}},
        .timeouts = {.wall_seconds = 60, .no_output_seconds = 60},
    };
  }

  fs::path root_;
};

TEST_F(WorkerTest, RunsJobsOneAfterAnother) {
  auto worker = agent_worker();
  for (const std::string word : {"first", "second"}) {
    std::string output;
    const Worker::Ending outcome =
        worker->run(job({"echo", word}), [&](std::string_view bytes) { output += bytes; });
    ASSERT_TRUE(outcome.result) << outcome.death.value_or(outcome.job_error.value_or(""));
    EXPECT_EQ(output, word + "\r\n");
    ASSERT_EQ(outcome.result->commands.size(), 1u);
    EXPECT_EQ(outcome.result->commands[0].exit_code, 0);
    EXPECT_TRUE(worker->alive());
    EXPECT_FALSE(worker->busy());
  }
}

TEST_F(WorkerTest, AJobThatCannotStartIsAJobErrorNotADeath) {
  auto worker = agent_worker();
  agent::Job missing = job({"true"});
  missing.source.path = (root_ / "no-such-crate").string();
  const Worker::Ending outcome = worker->run(missing, [](std::string_view) {});
  ASSERT_TRUE(outcome.job_error);
  EXPECT_NE(outcome.job_error->find("no-such-crate"), std::string::npos) << *outcome.job_error;
  EXPECT_TRUE(worker->alive());
  EXPECT_TRUE(worker->run(job({"true"}), [](std::string_view) {}).result);
}

TEST_F(WorkerTest, AWorkerThatExitsIsADeathWithItsLastWords) {
  auto worker =
      shell_worker("head -c 1 >/dev/null; echo 'no space left for the agent' >&2; exit 7");
  const Worker::Ending outcome = worker->run(job({"true"}), [](std::string_view) {});
  ASSERT_TRUE(outcome.death);
  EXPECT_NE(outcome.death->find("exit status 7"), std::string::npos) << *outcome.death;
  EXPECT_NE(outcome.death->find("no space left for the agent"), std::string::npos)
      << *outcome.death;
  EXPECT_FALSE(worker->alive());
  EXPECT_THROW(worker->send(job({"true"}), {}), std::logic_error);
}

TEST_F(WorkerTest, BytesThatAreNotFramesKillTheWorker) {
  auto worker = shell_worker("printf 'hello, I am not a frame'; sleep 30");
  const auto started = std::chrono::steady_clock::now();
  const Worker::Ending outcome = worker->run(job({"true"}), [](std::string_view) {});
  ASSERT_TRUE(outcome.death);
  EXPECT_NE(outcome.death->find("broke the protocol"), std::string::npos) << *outcome.death;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(WorkerTest, StopCallsTheSandboxHookOnce) {
  int stops = 0;
  {
    Worker worker("w", std::make_unique<ChildProcess>(std::vector<std::string>{"sleep", "30"}),
                  [&] { ++stops; });
    worker.stop();
    EXPECT_FALSE(worker.alive());
  }
  EXPECT_EQ(stops, 1);
}

TEST_F(WorkerTest, WarningsOnStderrAreKept) {
  auto worker = shell_worker("echo 'careful' >&2; head -c 1 >/dev/null; exit 0");
  worker->run(job({"true"}), [](std::string_view) {});
  const std::vector<std::string> warnings = worker->take_warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "careful");
}

/// An inline job's files as `tar` makes them: the entries of `dir` in the
/// order given.
fs::path make_bundle(const fs::path& dir, const std::string& entries) {
  fs::path tar = dir.string() + ".tar";
  const std::string command = "tar -C " + dir.string() + " -cf " + tar.string() + " " + entries;
  if (std::system(command.c_str()) != 0) throw std::runtime_error("cannot run: " + command);
  return tar;
}

TEST_F(WorkerTest, ALargeAttachmentGoesOutWhileTheOwnersLoopKeepsTurning) {
  const fs::path dir = root_ / "bundle";
  fs::create_directories(dir / "source");
  fs::create_directories(dir / "deps" / "b-1.0.0");
  std::ofstream(dir / "source" / "Cargo.toml") << "[package]\nname = \"a\"\n";
  std::ofstream(dir / "deps" / "b-1.0.0" / "lib.rs") << "b";
  constexpr uint64_t kBig = uint64_t{48} << 20;
  std::ofstream(dir / "source" / "big").close();
  fs::resize_file(dir / "source" / "big", kBig);
  const fs::path tar = make_bundle(dir, "source deps");
  fs::remove_all(dir);

  auto worker = agent_worker();
  agent::Job inline_job =
      job({"sh", "-c", "wc -c < big; cat \"$CARGO_HOME/crater-at-home-deps/b-1.0.0/lib.rs\""});
  inline_job.source = {agent::Source::Kind::kInline, ""};
  std::string output;
  std::optional<agent::JobResult> result;
  std::optional<std::string> failure;
  const auto sent_at = std::chrono::steady_clock::now();
  worker->send(inline_job,
               JobEvents{.on_output = [&](std::string_view bytes) { output += bytes; },
                         .on_result = [&](agent::JobResult r) { result = std::move(r); },
                         .on_job_error = [&](std::string e) { failure = std::move(e); },
                         .on_death = [&](std::string why) { failure = std::move(why); }},
               tar);
  const auto send_took = std::chrono::steady_clock::now() - sent_at;
  EXPECT_LT(send_took, std::chrono::milliseconds(100)) << "send() waited for the attachment";
  EXPECT_GT(worker->bytes_to_write(), kBig / 2);

  // The owner's loop, with a 5 ms timer standing for every other worker.
  const util::Fd timer(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  const itimerspec every{.it_interval = {0, 5'000'000}, .it_value = {0, 5'000'000}};
  ASSERT_EQ(timerfd_settime(timer.get(), 0, &every, nullptr), 0);
  int ticks_while_sending = 0;
  int writes = 0;
  auto longest_turn = std::chrono::steady_clock::duration::zero();
  auto last = std::chrono::steady_clock::now();
  while (!result && !failure && worker->alive()) {
    std::vector<pollfd> fds{{timer.get(), POLLIN, 0}};
    for (const int fd : worker->output_fds()) fds.push_back({fd, POLLIN, 0});
    const int input = worker->input_fd();
    if (input >= 0) fds.push_back({input, POLLOUT, 0});
    ASSERT_GE(poll(fds.data(), fds.size(), 10'000), 1);
    if ((fds[0].revents & POLLIN) != 0) {
      uint64_t expirations = 0;
      ASSERT_EQ(read(timer.get(), &expirations, sizeof expirations), 8);
      if (input >= 0) ++ticks_while_sending;
    }
    if (input >= 0 && (fds.back().revents & (POLLOUT | POLLERR)) != 0) {
      worker->write_available();
      ++writes;
    }
    worker->read_available();
    const auto now = std::chrono::steady_clock::now();
    longest_turn = std::max(longest_turn, now - last);
    last = now;
  }
  ASSERT_TRUE(result) << failure.value_or("");
  EXPECT_EQ(output, std::to_string(kBig) + "\r\nb");
  EXPECT_EQ(worker->bytes_to_write(), 0u);
  EXPECT_EQ(worker->input_fd(), -1);
  EXPECT_GT(writes, 100) << "written in pieces as the pipe took them";
  EXPECT_GT(ticks_while_sending, 2) << "the timer was served while the attachment went out";
  EXPECT_LT(longest_turn, std::chrono::milliseconds(250));
  // The agent left nothing of it behind.
  EXPECT_TRUE(fs::is_empty(root_ / "build"));
  EXPECT_TRUE(fs::is_empty(root_ / "cargo"));
}

TEST_F(WorkerTest, AnAttachmentRefusedHalfWayIsCutAndTheWorkerGoesOn) {
  const fs::path dir = root_ / "bundle";
  fs::create_directories(dir / "source");
  std::ofstream(dir / "source" / "Cargo.toml") << "[package]\nname = \"a\"\n";
  fs::create_symlink("/etc/passwd", dir / "source" / "x");
  std::ofstream(dir / "source" / "big").close();
  fs::resize_file(dir / "source" / "big", uint64_t{16} << 20);
  const fs::path tar = make_bundle(dir, "source/Cargo.toml source/x source/big");

  auto worker = agent_worker();
  agent::Job inline_job = job({"true"});
  inline_job.source = {agent::Source::Kind::kInline, ""};
  const Worker::Ending refused = worker->run(
      inline_job, [](std::string_view) {}, -1, tar);
  ASSERT_TRUE(refused.job_error) << refused.death.value_or("");
  EXPECT_NE(refused.job_error->find("'source/x'"), std::string::npos) << *refused.job_error;
  // At most the frame under way is still to go, then the stream's end.
  EXPECT_LE(worker->bytes_to_write(), agent::kMaxFilesPayload) << "the rest was cut";
  std::string output;
  const Worker::Ending next =
      worker->run(job({"echo", "next"}), [&](std::string_view bytes) { output += bytes; });
  ASSERT_TRUE(next.result) << next.death.value_or(next.job_error.value_or(""));
  EXPECT_EQ(output, "next\r\n");
}

TEST_F(WorkerTest, AMissingAttachmentLeavesTheWorkerIdle) {
  auto worker = agent_worker();
  agent::Job inline_job = job({"true"});
  inline_job.source = {agent::Source::Kind::kInline, ""};
  EXPECT_THROW(worker->send(inline_job, {}, root_ / "missing.tar"), std::system_error);
  EXPECT_FALSE(worker->busy());
  EXPECT_TRUE(worker->run(job({"true"}), [](std::string_view) {}).result);
}

}  // namespace
}  // namespace sandbox
