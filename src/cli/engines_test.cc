// `crater-at-home engines` run as a process. EnginesOptions.*: wrong
// engines refused before anything is asked (unit). EnginesCommand.*: lines
// for real engines, the local one and those scripts/start-engines starts
// (docker).

#include "testing/engines.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sandbox/child_process.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using testing_engines::engine_missing;
using testing_engines::env;

class Engines : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cah-engines-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Runs `crater-at-home engines ARGS` in the test's folder, where
  /// `toml` (if any) is crater-at-home.toml.
  sandbox::CommandOutput engines(std::vector<std::string> args, const std::string& toml = "") {
    if (!toml.empty()) std::ofstream(dir_ / "crater-at-home.toml") << toml;
    args.insert(args.begin(), {CAH_BINARY, "engines"});
    return sandbox::run_to_end(args, std::chrono::seconds(120), {.cwd = dir_.string()});
  }

  /// The line of stdout that starts with `name` followed by spaces.
  static std::string line_of(const std::string& out, const std::string& name) {
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with(name + " ")) return line;
    }
    return "(no line for " + name + " in:\n" + out + ")";
  }

  fs::path dir_;
};

using EnginesOptions = Engines;
using EnginesCommand = Engines;

TEST_F(EnginesOptions, AWrongUrlIsRefusedNamingItAndWhatIsAllowed) {
  for (const std::string& wrong : {"tcp://box:0", "http://box:2375", "/var/run/docker.sock",
                                   "ssh://root:secret@box", "local=0"}) {
    const sandbox::CommandOutput out = engines({"--engine", "local", "--engine", wrong});
    EXPECT_NE(out.status.exit_code, 0) << wrong;
    EXPECT_THAT(out.err, HasSubstr("--engine: engine '" + wrong + "': ")) << out.err;
    EXPECT_THAT(out.err, HasSubstr("allowed: local, unix:///PATH, tcp://HOST:PORT")) << out.err;
    EXPECT_EQ(out.out, "") << "nothing is asked of any engine";
  }
}

TEST_F(EnginesOptions, RunEngineTablesAreReadStrictly) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[[run.engine]]\nhost = \"ssh://root:pw@box\"\n",
       "crater-at-home.toml:2: [[run.engine]] host: engine 'ssh://root:pw@box': an ssh:// URL "
       "cannot carry a password"},
      {"[[run.engine]]\nhost = \"ssh://box=4\"\n", "gives JOBS; set jobs = N instead"},
      {"[[run.engine]]\nhost = 7\n", "[[run.engine]] host must be a string"},
      {"[[run.engine]]\nhost = \"box\"\njobs = 0\n",
       "crater-at-home.toml:3: [[run.engine]] jobs is not allowed; allowed: a whole number from 1 "
       "to 4096"},
      {"[[run.engine]]\nhost = \"box\"\njobs = 1.5\n", "jobs is not allowed"},
      {"[[run.engine]]\nhost = \"box\"\nmemory-limit-gb = 0\n",
       "memory-limit-gb is not allowed; allowed: a number above 0, at most 4096"},
      {"[[run.engine]]\nhost = \"box\"\ncpus = 4\n",
       "crater-at-home.toml:3: [[run.engine]] cpus: unknown key; allowed: host"},
      {"[[run.engine]]\njobs = 4\n", "crater-at-home.toml:1: [[run.engine]] has no host"},
      {"[[crates.engine]]\nhost = \"box\"\n", "unknown key 'engine' in [crates]"},
  };
  for (const auto& [toml, expected] : cases) {
    const sandbox::CommandOutput out = engines({}, toml);
    EXPECT_NE(out.status.exit_code, 0) << toml;
    EXPECT_THAT(out.err, HasSubstr(expected)) << toml;
    EXPECT_EQ(out.out, "") << toml;
  }
}

TEST_F(EnginesCommand, OneLinePerEngineAndWhyOneCannotBeUsed) {
  const std::string d2 = env("CAH_ENGINE_D2");
  if (engine_missing("CAH_ENGINE_D2")) GTEST_SKIP();
  const sandbox::CommandOutput out =
      engines({"--engine", "local", "--engine", d2 + "=3", "--engine",
               "unix:///nonexistent/cah-engine.sock", "--engine", "ssh://root@127.0.0.1:9"});
  EXPECT_EQ(out.status.exit_code, 1) << out.err;
  EXPECT_THAT(line_of(out.out, "local"),
              ::testing::MatchesRegex("local +ok: Docker [0-9.]+.*, [0-9]+ CPUs, [0-9.]+ GiB "
                                      "memory, cgroup v[12], [0-9]+ jobs \\(its CPUs\\); image "
                                      "crater-at-home-worker:bookworm present \\(sha256:.*\\)"));
  EXPECT_THAT(line_of(out.out, d2), HasSubstr(" ok: Docker "));
  EXPECT_THAT(line_of(out.out, d2), HasSubstr(", 3 jobs; image crater-at-home-worker:bookworm "));
  EXPECT_THAT(line_of(out.out, "unix:///nonexistent/cah-engine.sock"),
              HasSubstr("unreachable: Cannot connect to the Docker daemon at "
                        "unix:///nonexistent/cah-engine.sock"));
  EXPECT_THAT(line_of(out.out, "ssh://root@127.0.0.1:9"),
              HasSubstr("unreachable: ssh (exit status 255): ssh: connect to host 127.0.0.1 port "
                        "9: Connection refused"));
  EXPECT_THAT(out.err, HasSubstr("2 of 4 engines cannot run workers"));
}

TEST_F(EnginesCommand, AMissingImageMakesAnEngineUnusable) {
  const sandbox::CommandOutput out = engines({"--image", "cah-no-such-image:none"});
  EXPECT_EQ(out.status.exit_code, 1) << out.err;
  EXPECT_THAT(line_of(out.out, "local"),
              HasSubstr("image cah-no-such-image:none missing: build it with `crater-at-home "
                        "image build`"));
}

TEST_F(EnginesCommand, UsableEnginesFromTheOptionsFile) {
  const std::string d2 = env("CAH_ENGINE_D2");
  const std::string context = env("CAH_ENGINE_D3_CONTEXT");
  if (engine_missing("CAH_ENGINE_D2") || engine_missing("CAH_ENGINE_D3_CONTEXT")) GTEST_SKIP();
  const sandbox::CommandOutput out = engines(
      {}, "[[run.engine]]\nhost = \"local\"\n\n[[run.engine]]\nhost = \"" + d2 +
              "\"\njobs = 5\nmemory_limit_gb = 2\n\n[[run.engine]]\nhost = \"" + context + "\"\n");
  EXPECT_EQ(out.status.exit_code, 0) << out.err << out.out;
  EXPECT_THAT(line_of(out.out, "local"), HasSubstr(" ok: "));
  // Present or not: a run sends the image to a remote engine.
  EXPECT_THAT(line_of(out.out, d2), HasSubstr(" ok: "));
  EXPECT_THAT(line_of(out.out, d2), HasSubstr(", 5 jobs of 2 GB; image "));
  EXPECT_THAT(line_of(out.out, context), HasSubstr(" ok: "));
  EXPECT_THAT(out.err, HasSubstr("3 engines, "));
}

}  // namespace
