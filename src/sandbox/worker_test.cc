#include "sandbox/worker.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

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

}  // namespace
}  // namespace sandbox
