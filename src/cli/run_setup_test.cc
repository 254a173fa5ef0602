// `run` end to end for a tool with setup steps (made once, kept in a Docker
// volume, read-only for crates) and for crate arguments that must fit the
// toolchain. A stand-in tool replaces Miri, which cannot be installed here:
// its setup sleeps, then writes a marker and appends a line to a "runs"
// file. Each test has its own worker prefix, folder and setup volume.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "testing/e2e.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kSourceDir = CAH_SOURCE_DIR;
const char* const kImage = "crater-at-home-worker:bookworm";

using e2e::read_file;
using e2e::shell_output;
using e2e::unique_name;
using e2e::write_file;

size_t count(const std::string& text, const std::string& what) {
  size_t found = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++found;
  return found;
}

struct Finished {
  int status = -1;
  std::string output;  // stdout and stderr
};

/// Starts the binary with `args`, its output to `log`; returns its pid.
pid_t start_binary(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> copy = args;
  std::string binary = CAH_BINARY;
  std::vector<char*> argv{binary.data()};
  for (auto& arg : copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, STDIN_FILENO);
    unsetenv("CAH_LOG");
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

/// The binary with `args`, to its end.
Finished run_binary(const std::vector<std::string>& args, const fs::path& log) {
  const pid_t pid = start_binary(args, log);
  Finished finished;
  int status = 0;
  if (waitpid(pid, &status, 0) == pid && WIFEXITED(status)) finished.status = WEXITSTATUS(status);
  finished.output = read_file(log);
  return finished;
}

/// A folder for one test; its containers and setup volumes are removed at
/// the end, whatever the test did.
class Scratch {
 public:
  Scratch()
      : path_(fs::temp_directory_path() / unique_name("cah-setup-test")),
        prefix_(unique_name("cah-st")) {
    fs::create_directories(path_);
  }
  ~Scratch() {
    for (const std::string& label : {prefix_, prefix_ + "-setup"}) {
      const std::string left =
          shell_output("docker ps -aq --filter label=crater-at-home.worker=" + label);
      if (!left.empty()) shell_output("docker rm -f " + left + " >/dev/null 2>&1");
    }
    for (const std::string& volume : volumes_) {
      shell_output("docker volume rm -f " + volume + " >/dev/null 2>&1");
    }
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  fs::path operator/(const fs::path& relative) const { return path_ / relative; }
  const std::string& prefix() const { return prefix_; }
  /// A volume to remove at the end.
  void owns_volume(const std::string& name) { volumes_.push_back(name); }

 private:
  fs::path path_;
  std::string prefix_;
  std::vector<std::string> volumes_;
};

/// A directory registry: NAME-0.1.0/ holds tests/crates/SOURCE renamed NAME.
fs::path make_registry(const fs::path& root,
                       const std::vector<std::pair<std::string, std::string>>& crates) {
  for (const auto& [name, source] : crates) {
    const fs::path folder = root / (name + "-0.1.0");
    fs::create_directories(folder);
    fs::copy(kSourceDir / "tests/crates" / source, folder, fs::copy_options::recursive);
    std::string manifest = read_file(folder / "Cargo.toml");
    const std::string from = "name = \"" + source + "\"";
    manifest.replace(manifest.find(from), from.size(), "name = \"" + name + "\"");
    write_file(folder / "Cargo.toml", manifest);
    write_file(folder / ".cargo-checksum.json", R"({"files":{},"package":""})");
  }
  return root;
}

/// The stand-in for Miri: every crate's command prints the setup's marker,
/// then checks the crate. Each test's setup script is its own, so that its
/// volume (named from the script) is too, whatever else runs at once.
std::string stand_in_tools(const std::string& setup_script) {
  return R"([tools.standin]
description = "a stand-in for miri: setup once, then cargo check"
toolchain = "stable"
timeout = "5m"
no_output_timeout = "2m"
env = { RUSTFLAGS = "--cap-lints=warn", SETUP_MARKER = "{setup}/marker" }

[[tools.standin.setup]]
args = ["sh", "-c", ")" +
         setup_script + R"("]

[[tools.standin.commands]]
args = ["sh", "-c", "cat \"$SETUP_MARKER\" && cargo +{toolchain} check \"$@\"", "sh", "{crate_args}"]
)";
}

std::vector<std::string> run_args(const Scratch& scratch, const fs::path& tools,
                                  const fs::path& registry, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"run",
                                "--tools",
                                tools.string(),
                                "--registry",
                                registry.string(),
                                "--store",
                                "file://" + (scratch / "store").string(),
                                "--worker-prefix",
                                scratch.prefix(),
                                "--memory-limit-gb",
                                "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

/// The setup volume a run's output names ("... volume cah-setup-...").
std::string volume_named_in(const std::string& output) {
  std::smatch match;
  if (std::regex_search(output, match, std::regex("volume (cah-setup-[a-z0-9_-]+)"))) {
    return match[1];
  }
  return "";
}

/// `cat` of files in a volume, from a throwaway container that mounts it
/// read-only.
std::string read_volume(const std::string& volume, const std::string& files) {
  return shell_output("docker run --rm --network none --mount type=volume,src=" + volume +
                      ",dst=/s,readonly " + kImage + " sh -c 'cd /s && " + files + "' 2>&1");
}

TEST(ToolSetup, RunsOnceIsReadOnlyForCratesAndIsReusedByTheNextRun) {
  Scratch scratch;
  const std::string marker = unique_name("made-by-setup");
  const fs::path tools = scratch / "tools.toml";
  write_file(tools, stand_in_tools("sleep 3; echo " + marker +
                                   " > {setup}/marker; echo ran >> {setup}/runs"));
  std::vector<std::pair<std::string, std::string>> crates;
  for (int i = 1; i <= 9; ++i) crates.emplace_back("cah-setup-" + std::to_string(i), "cah-hello");
  crates.emplace_back("cah-write-setup", "cah-write-setup");
  const fs::path registry = make_registry(scratch / "registry", crates);

  const Finished first = run_binary(
      run_args(scratch, tools, registry, {"--tool=standin", "--jobs", "2"}), scratch / "first.log");
  const std::string volume = volume_named_in(first.output);
  if (!volume.empty()) scratch.owns_volume(volume);
  ASSERT_EQ(first.status, 0) << first.output;
  ASSERT_NE(volume, "") << first.output;
  EXPECT_EQ(count(first.output, "standin setup: running"), 1U) << first.output;
  EXPECT_THAT(first.output, HasSubstr("standin setup: done in"));
  EXPECT_THAT(first.output, HasSubstr("Finished 10 of 10 crates"));

  const fs::path raw = scratch / "store/standin/raw";
  for (const auto& [name, source] : crates) {
    const std::string log = read_file(raw / name / "0.1.0");
    EXPECT_THAT(log, HasSubstr(marker + "\r\n")) << name << ":\n" << log;
  }
  const std::string writer = read_file(raw / "cah-write-setup/0.1.0");
  for (const char* what : {"overwrite /opt/setup/marker", "create /opt/setup/cah-planted",
                           "remove /opt/setup/marker"}) {
    EXPECT_THAT(writer, HasSubstr(std::string("write-setup ") + what +
                                  ": Read-only file system (os error 30)"));
  }
  EXPECT_THAT(writer, Not(HasSubstr("SETUP CHANGED")));

  // The setup ran once, and what it wrote is as it left it.
  EXPECT_EQ(read_volume(volume, "cat runs marker; ls -A"),
            "ran\n" + marker + "\n" + ".crater-at-home-setup-complete\nmarker\nruns\n");

  // A second run finds the volume complete and runs no setup.
  write_file(scratch / "one-crate", "cah-setup-1\n");
  const Finished second = run_binary(
      run_args(scratch, tools, registry,
               {"--tool=standin", "--rerun", "--crate-list", (scratch / "one-crate").string()}),
      scratch / "second.log");
  ASSERT_EQ(second.status, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("standin setup: reusing volume " + volume));
  EXPECT_THAT(second.output, Not(HasSubstr("setup: running")));
  EXPECT_THAT(read_file(raw / "cah-setup-1/0.1.0"), HasSubstr(marker + "\r\n"));
  EXPECT_EQ(read_volume(volume, "cat runs"), "ran\n");
  EXPECT_EQ(shell_output("docker ps -aq --filter label=crater-at-home.worker=" + scratch.prefix() +
                         "-setup"),
            "");
}

TEST(ToolSetup, AFailingSetupStopsTheRunBeforeAnyCrate) {
  Scratch scratch;
  const fs::path tools = scratch / "tools.toml";
  write_file(tools, stand_in_tools("echo the setup broke; exit 3 # " + unique_name("volume")));
  const fs::path registry = make_registry(scratch / "registry", {{"cah-hello", "cah-hello"}});

  const Finished run =
      run_binary(run_args(scratch, tools, registry, {"--tool=standin"}), scratch / "run.log");
  const std::string volume = volume_named_in(run.output);
  if (!volume.empty()) scratch.owns_volume(volume);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("error: the setup of tool 'standin' failed (`sh -c"));
  EXPECT_THAT(run.output, HasSubstr("exited with 3); no crate was run"));
  EXPECT_THAT(run.output, HasSubstr("the setup broke"));
  EXPECT_FALSE(fs::exists(scratch / "store/standin/raw")) << run.output;
  EXPECT_FALSE(fs::exists(scratch / "store/standin/results")) << run.output;
  // Nothing half-made is kept.
  ASSERT_NE(volume, "") << run.output;
  EXPECT_THAT(shell_output("docker volume inspect " + volume + " 2>&1"),
              HasSubstr("no such volume"));
}

TEST(ToolSetup, ACtrlCDuringTheSetupStopsItAndLeavesNoContainer) {
  Scratch scratch;
  const fs::path tools = scratch / "tools.toml";
  write_file(tools, stand_in_tools("sleep 60; echo " + unique_name("late") + " > {setup}/marker"));
  const fs::path registry = make_registry(scratch / "registry", {{"cah-hello", "cah-hello"}});
  const fs::path log = scratch / "run.log";
  const pid_t pid = start_binary(run_args(scratch, tools, registry, {"--tool=standin"}), log);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (read_file(log).find("setup: running") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string volume = volume_named_in(read_file(log));
  if (!volume.empty()) scratch.owns_volume(volume);
  ASSERT_NE(volume, "") << read_file(log);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto stopped_at = std::chrono::steady_clock::now();
  kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, std::chrono::seconds(20));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130) << read_file(log);
  EXPECT_THAT(read_file(log), HasSubstr("stopped during the tool's setup; no crate was run"));
  EXPECT_EQ(shell_output("docker ps -aq --filter label=crater-at-home.worker=" + scratch.prefix() +
                         "-setup"),
            "");
  EXPECT_FALSE(fs::exists(scratch / "store/standin/raw"));
  // Half-made: no marker, so the next run would make it afresh.
  EXPECT_EQ(read_volume(volume, "ls -A"), "");
}

TEST(CrateArgsOnStable, DocsRsMetadataForNightlyIsNotAppliedAndTheLogSaysSo) {
  Scratch scratch;
  const fs::path registry =
      make_registry(scratch / "registry", {{"cah-docsrs-nightly", "cah-docsrs-nightly"}});
  const Finished run =
      run_binary(run_args(scratch, kSourceDir / "tools.toml", registry, {"--tool=check"}),
                 scratch / "run.log");
  ASSERT_EQ(run.status, 0) << run.output;
  const std::string record =
      read_file(scratch / "store/check/results/cah-docsrs-nightly/0.1.0.json");
  EXPECT_THAT(record, HasSubstr("\"outcome\": \"passed\"")) << record;
  const std::string log = read_file(scratch / "store/check/raw/cah-docsrs-nightly/0.1.0");
  EXPECT_THAT(log,
              HasSubstr("\x1b[1mcrater-at-home: docs.rs metadata (--all-features) not "
                        "applied: it is meant for nightly and the toolchain is stable\x1b[0m"));
  EXPECT_THAT(log, HasSubstr("$ cargo +stable check\x1b[0m"));
  EXPECT_THAT(log, Not(HasSubstr("may not be used on the stable release channel")));
}

}  // namespace
