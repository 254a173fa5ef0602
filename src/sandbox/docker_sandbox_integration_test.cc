// The Docker sandbox for real: a Docker engine, the worker image, the static
// agent, the host's toolchains, Debian's registry of published crates, and
// the test crates in tests/crates that try to break out. Needs a running
// engine and the image (scripts/test provides both); a missing engine is a
// failure here, not a skip.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "queue/crate_job.h"
#include "sandbox/docker_sandbox.h"
#include "sandbox/worker_image.h"
#include "testing/engines.h"
#include "tools/tool.h"

namespace sandbox {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kRegistry = "/usr/share/cargo/registry";
constexpr const char* kTestCrates = "/crates";

DockerOptions test_options() {
  DockerOptions options{
      .image = testing_engines::worker_image(),
      .agent = CAH_AGENT_BINARY,
      .mounts = {{kRegistry, kRegistry}, {CAH_SOURCE_DIR "/tests/crates", kTestCrates}},
      .memory_bytes = uint64_t{512} << 20,
      .pids_limit = 256,
      .name_prefix = "cah-test-" + std::to_string(getpid()),
  };
  if (is_host_image(options.image)) options.run_args = host_mount_args();
  return options;
}

/// The newest version of a crate in Debian's registry: (version, folder).
std::pair<std::string, std::string> registry_crate(const std::string& name) {
  std::pair<std::string, std::string> best;
  for (const auto& entry : fs::directory_iterator(kRegistry)) {
    const std::string folder = entry.path().filename().string();
    if (folder.rfind(name + "-", 0) != 0) continue;
    const std::string version = folder.substr(name.size() + 1);
    if (version.empty() || !std::isdigit(static_cast<unsigned char>(version[0]))) continue;
    if (best.first.empty() || version > best.first) best = {version, entry.path().string()};
  }
  return best;
}

class DockerSandboxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      sandbox_ = new DockerSandbox(test_options());
      sandbox_->check();  // throws without an engine or the image
      tools_ = new tools::ToolSet(tools::ToolSet::load(CAH_SOURCE_DIR "/tools.toml"));
    } catch (const std::exception& e) {
      // Thrown from here, gtest would report every test as skipped.
      setup_error_ = new std::string(e.what());
    }
  }
  static void TearDownTestSuite() {
    if (sandbox_ != nullptr && setup_error_ == nullptr) sandbox_->remove_all();
    delete sandbox_;
    delete tools_;
    delete setup_error_;
    sandbox_ = nullptr;
    tools_ = nullptr;
    setup_error_ = nullptr;
  }
  void SetUp() override {
    if (setup_error_ != nullptr) FAIL() << *setup_error_;
  }

  /// A job running `tool` on a test crate, with short timeouts.
  static agent::Job test_crate_job(const std::string& crate, const std::string& tool = "test",
                                   std::chrono::seconds timeout = std::chrono::seconds(120),
                                   std::chrono::seconds no_output = std::chrono::seconds(60)) {
    return queue::crate_job(
        tools_->get(tool), crate, "0.1.0",
        {agent::Source::Kind::kDirectory, std::string(kTestCrates) + "/" + crate},
        {.target = queue::host_target(),
         .timeout = timeout,
         .no_output_timeout = no_output,
         .cargo_config = queue::directory_registry_config(kRegistry)});
  }

  struct Run {
    Worker::Ending outcome;
    std::string log;
  };
  static Run run(Worker& worker, const agent::Job& job) {
    Run run;
    run.outcome = worker.run(job, [&](std::string_view bytes) { run.log += bytes; });
    return run;
  }
  static const agent::JobResult& result_of(const Run& run) {
    if (!run.outcome.result) {
      ADD_FAILURE() << "no result: " << run.outcome.job_error.value_or("")
                    << run.outcome.death.value_or("") << "\nlog:\n"
                    << run.log;
      static const agent::JobResult none;
      return none;
    }
    return *run.outcome.result;
  }
  static std::optional<int> last_exit(const Run& run) {
    const agent::JobResult& result = result_of(run);
    if (result.commands.empty()) return std::nullopt;
    return result.commands.back().exit_code;
  }

  static DockerSandbox* sandbox_;
  static tools::ToolSet* tools_;
  static std::string* setup_error_;
};

DockerSandbox* DockerSandboxTest::sandbox_ = nullptr;
tools::ToolSet* DockerSandboxTest::tools_ = nullptr;
std::string* DockerSandboxTest::setup_error_ = nullptr;

TEST_F(DockerSandboxTest, TwoWorkersRunCheckAndTestOnRealCrates) {
  // Two containers at once, driven by one poll loop, as `run` drives them.
  const std::vector<std::string> names = {"itoa", "semver"};
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < 2; ++i) workers.push_back(sandbox_->start(i));
  for (const std::string tool : {"check", "test"}) {
    std::map<std::string, std::string> logs;
    std::map<std::string, agent::JobResult> results;
    for (size_t i = 0; i < workers.size(); ++i) {
      const auto [version, folder] = registry_crate(names[i]);
      ASSERT_FALSE(version.empty()) << "no " << names[i] << " in " << kRegistry;
      const agent::Job job = queue::crate_job(
          tools_->get(tool), names[i], version, {agent::Source::Kind::kDirectory, folder},
          {.target = queue::host_target(),
           .cargo_config = queue::directory_registry_config(kRegistry)});
      const std::string& name = names[i];
      workers[i]->send(
          job,
          JobEvents{
              .on_output = [&logs, name](std::string_view b) { logs[name] += b; },
              .on_result = [&results, name](const agent::JobResult& r) { results[name] = r; },
              .on_job_error = [name](const std::string& e) { ADD_FAILURE() << name << ": " << e; },
              .on_death = [name](const std::string& e) { ADD_FAILURE() << name << ": " << e; },
          });
    }
    while (std::any_of(workers.begin(), workers.end(), [](auto& w) { return w->busy(); })) {
      std::vector<pollfd> fds;
      for (auto& worker : workers) {
        for (const int fd : worker->output_fds()) fds.push_back({fd, POLLIN, 0});
      }
      ASSERT_GE(poll(fds.data(), fds.size(), 300000), 1) << "no worker said anything in 5 min";
      for (auto& worker : workers) worker->read_available();
    }
    for (const auto& name : names) {
      ASSERT_EQ(results.count(name), 1u) << tool << " " << name;
      const agent::JobResult& result = results[name];
      ASSERT_FALSE(result.commands.empty());
      EXPECT_EQ(result.commands.back().exit_code, 0) << tool << " " << name << ":\n" << logs[name];
      EXPECT_EQ(result.timed_out, agent::Timeout::kNone);
      EXPECT_FALSE(result.oom_killed);
      EXPECT_GT(result.peak_memory_bytes, 0u);
      EXPECT_THAT(logs[name], HasSubstr("Finished")) << tool << " " << name;
      if (tool == "test") {
        EXPECT_THAT(logs[name], HasSubstr("passed; 0 failed"));
      }
    }
  }
}

TEST_F(DockerSandboxTest, AsanFindsAHeapBufferOverflow) {
  auto worker = sandbox_->start(0);
  const Run run = DockerSandboxTest::run(*worker, test_crate_job("cah-heap-overflow", "asan"));
  EXPECT_THAT(run.log, HasSubstr("ERROR: AddressSanitizer: heap-buffer-overflow"));
  EXPECT_NE(last_exit(run), 0);
}

TEST_F(DockerSandboxTest, ABuildScriptCannotWriteOutsideBuild) {
  auto worker = sandbox_->start(0);
  const Run run = DockerSandboxTest::run(*worker, test_crate_job("cah-write-outside"));
  EXPECT_THAT(run.log, HasSubstr("all writes outside /build were refused"));
  EXPECT_THAT(run.log, HasSubstr("escape /etc/cah-escape: Read-only file system"));
  EXPECT_THAT(run.log, Not(HasSubstr("ESCAPED")));
  EXPECT_NE(last_exit(run), 0);
  // The mounted sources stay as they were on the host.
  EXPECT_FALSE(fs::exists(fs::path(kRegistry) / "cah-escape"));
  EXPECT_FALSE(fs::exists(fs::path(CAH_SOURCE_DIR) / "tests/crates/cah-write-outside/target"));
}

TEST_F(DockerSandboxTest, AForkBombStopsAtThePidsLimitAndTheWorkerLivesOn) {
  auto worker = sandbox_->start(0);
  const Run bomb = run(*worker, test_crate_job("cah-fork-bomb"));
  EXPECT_THAT(bomb.log, HasSubstr("Resource temporarily unavailable"));
  EXPECT_THAT(bomb.log, HasSubstr("pids limit reached"));
  EXPECT_NE(last_exit(bomb), 0);
  // The bomb's 250 sleeping children are gone: the next job can fork.
  const Run next = run(*worker, test_crate_job("cah-hello"));
  EXPECT_EQ(last_exit(next), 0) << next.log;
  EXPECT_THAT(next.log, HasSubstr("hello from the sandbox"));
}

TEST_F(DockerSandboxTest, ATestPastTheMemoryLimitIsReportedOomKilled) {
  auto worker = sandbox_->start(0);
  const Run run = DockerSandboxTest::run(*worker, test_crate_job("cah-oom"));
  EXPECT_TRUE(result_of(run).oom_killed) << run.log;
  EXPECT_THAT(run.log, HasSubstr("allocated 64 MiB"));
  EXPECT_GT(result_of(run).peak_memory_bytes, uint64_t{256} << 20);
  EXPECT_TRUE(worker->alive());
}

TEST_F(DockerSandboxTest, ATestSleepingForeverTimesOut) {
  auto worker = sandbox_->start(0);
  const Run run = DockerSandboxTest::run(
      *worker, test_crate_job("cah-sleep-forever", "test", std::chrono::seconds(15)));
  EXPECT_EQ(result_of(run).timed_out, agent::Timeout::kWall) << run.log;
  EXPECT_THAT(run.log, HasSubstr("sleeping forever"));
  EXPECT_LT(result_of(run).wall_seconds, 40);
}

TEST_F(DockerSandboxTest, ASilentTestHitsTheNoOutputTimeout) {
  auto worker = sandbox_->start(0);
  const Run run = DockerSandboxTest::run(
      *worker,
      test_crate_job("cah-silent", "test", std::chrono::seconds(120), std::chrono::seconds(5)));
  EXPECT_EQ(result_of(run).timed_out, agent::Timeout::kNoOutput) << run.log;
  EXPECT_THAT(run.log, HasSubstr("going quiet"));
  EXPECT_LT(result_of(run).wall_seconds, 60);
}

TEST_F(DockerSandboxTest, ADaemonLeftBehindIsGoneBeforeTheNextJob) {
  auto worker = sandbox_->start(0);
  const Run daemon = run(*worker, test_crate_job("cah-daemon"));
  EXPECT_EQ(last_exit(daemon), 0) << daemon.log;
  EXPECT_THAT(daemon.log, HasSubstr("daemon started"));
  const Run check = run(*worker, test_crate_job("cah-daemon-check"));
  EXPECT_EQ(last_exit(check), 0) << check.log;
  EXPECT_THAT(check.log, HasSubstr("no daemon left"));
}

TEST_F(DockerSandboxTest, ATestKillingItsParentsLeavesTheWorkerRestartable) {
  auto worker = sandbox_->start(0);
  const Run run = DockerSandboxTest::run(*worker, test_crate_job("cah-kill-parents"));
  ASSERT_TRUE(run.outcome.death) << run.log;
  EXPECT_FALSE(worker->alive());
  worker = sandbox_->start(0);
  const Run next = DockerSandboxTest::run(*worker, test_crate_job("cah-hello"));
  EXPECT_EQ(last_exit(next), 0) << next.log;
}

TEST_F(DockerSandboxTest, TheNetworkHasOnlyLoopback) {
  auto worker = sandbox_->start(0);
  const Run run = DockerSandboxTest::run(*worker, test_crate_job("cah-net"));
  EXPECT_THAT(run.log, HasSubstr("interfaces: lo\r\n"));
  EXPECT_THAT(run.log, HasSubstr("Network is unreachable"));
  EXPECT_EQ(last_exit(run), 0) << run.log;
}

TEST_F(DockerSandboxTest, NoCredentialOfOursEntersTheSandbox) {
  setenv("AWS_SECRET_ACCESS_KEY", "cah-secret-that-must-stay-out", 1);
  auto worker = sandbox_->start(0);
  unsetenv("AWS_SECRET_ACCESS_KEY");
  agent::Job job = test_crate_job("cah-hello");
  job.commands = {{.argv = {"sh", "-c", "env; ls -a /root /build /cargo"}}};
  const Run run = DockerSandboxTest::run(*worker, job);
  EXPECT_EQ(last_exit(run), 0) << run.log;
  EXPECT_THAT(run.log, HasSubstr("CARGO_HOME=/cargo"));
  EXPECT_THAT(run.log, Not(HasSubstr("cah-secret")));
  EXPECT_THAT(run.log, Not(HasSubstr(".docker")));
  EXPECT_THAT(run.log, Not(HasSubstr(".aws")));
}

TEST_F(DockerSandboxTest, AStoppedWorkerLeavesNoContainer) {
  auto worker = sandbox_->start(7);
  const std::string name = worker->name();
  agent::Job job = test_crate_job("cah-hello");
  job.commands = {{.argv = {"true"}}};
  ASSERT_TRUE(run(*worker, job).outcome.result);  // the container is up
  worker->stop();
  const CommandOutput listed = run_to_end(
      {"docker", "ps", "-aq", "--filter", "name=^" + name + "$"}, std::chrono::seconds(30));
  EXPECT_TRUE(listed.status.success()) << listed.err;
  EXPECT_EQ(listed.out, "") << "stop() returned with the container still there";
}

}  // namespace
}  // namespace sandbox
