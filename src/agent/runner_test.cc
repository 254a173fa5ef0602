#include "agent/runner.h"

#include <archive_entry.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "agent/process_tree.h"
#include "agent/protocol.h"
#include "registry/test_archive.h"

namespace agent {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool alive(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

CommandSpec shell(const std::string& script, bool show_output = true) {
  return {.argv = {"sh", "-c", script}, .show_output = show_output};
}

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "runner-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    write_file(source() / "Cargo.toml", "[package]\nname = \"x\"\nversion = \"1.0.0\"\n");
    write_file(source() / "src" / "lib.rs", "// the crate\n");
  }
  void TearDown() override {
    end_descendants();
    std::error_code error;
    fs::remove_all(root_, error);
  }

  fs::path source() const { return root_ / "source"; }
  fs::path build() const { return root_ / "build"; }
  fs::path tmp() const { return root_ / "tmp"; }
  fs::path cgroup() const { return root_ / "cgroup"; }
  fs::path cargo_home() const { return root_ / "cargo"; }
  fs::path outside() const { return root_ / "outside"; }

  RunnerOptions options() const {
    return {.build_dir = build(),
            .writable_dirs = {tmp(), root_ / "cache"},
            .cargo_home = cargo_home(),
            .cgroup_root = cgroup()};
  }
  Runner make_runner() { return Runner(options()); }

  Job job_of(std::vector<CommandSpec> commands,
             Timeouts timeouts = {.wall_seconds = 60, .no_output_seconds = 60}) {
    return {.crate = "x",
            .version = "1.0.0",
            .source = {.kind = Source::Kind::kDirectory, .path = source().string()},
            .toolchain = "stable",
            .commands = std::move(commands),
            .timeouts = timeouts};
  }

  /// Runs the job, keeping its output in output_.
  JobResult run(const Job& job) {
    Runner runner = make_runner();
    return runner.run(job, [this](std::string_view bytes) { output_ += bytes; });
  }
  JobResult run_inline(const Job& job, const FilesReader& files) {
    Runner runner = make_runner();
    return runner.run(
        job, [this](std::string_view bytes) { output_ += bytes; }, files);
  }

  fs::path root_;
  std::string output_;
};

TEST_F(RunnerTest, RecordsOutputAndExitCode) {
  const JobResult result = run(job_of({shell("echo hi; exit 3")}));
  EXPECT_EQ(output_, "hi\r\n");
  ASSERT_EQ(result.commands.size(), 1U);
  EXPECT_EQ(result.commands[0].exit_code, 3);
  EXPECT_EQ(result.commands[0].signal, std::nullopt);
  EXPECT_EQ(result.timed_out, Timeout::kNone);
  EXPECT_FALSE(result.oom_killed);
  EXPECT_GT(result.peak_memory_bytes, 0U);  // getrusage, with no cgroup
  EXPECT_EQ(result.peak_memory_source, PeakMemorySource::kRusage);
  EXPECT_GE(result.wall_seconds, result.commands[0].wall_seconds);
}

TEST_F(RunnerTest, RunsCommandsInOrderInTheBuildDirWithTheJobsEnv) {
  Job job = job_of({shell("echo \"$PWD $GREETING $TERM\""), shell("kill -9 $$")});
  job.env = {{"GREETING", "hello"}};
  const JobResult result = run(job);
  EXPECT_EQ(output_, fs::canonical(root_).string() + "/build hello xterm-256color\r\n");
  ASSERT_EQ(result.commands.size(), 2U);
  EXPECT_EQ(result.commands[0].exit_code, 0);
  EXPECT_EQ(result.commands[1].exit_code, std::nullopt);
  EXPECT_EQ(result.commands[1].signal, SIGKILL);
}

TEST_F(RunnerTest, HiddenOutputIsDiscarded) {
  const JobResult result = run(job_of({shell("echo quiet", false), shell("echo loud")}));
  EXPECT_EQ(output_, "loud\r\n");
  ASSERT_EQ(result.commands.size(), 2U);
  EXPECT_EQ(result.commands[0].exit_code, 0);
}

TEST_F(RunnerTest, AMissingProgramFailsLikeInAShell) {
  const JobResult result = run(job_of({{.argv = {"no-such-program-here"}}, shell("echo next")}));
  ASSERT_EQ(result.commands.size(), 2U);
  EXPECT_EQ(result.commands[0].exit_code, 127);
  EXPECT_THAT(output_, HasSubstr("cannot run 'no-such-program-here'"));
  EXPECT_THAT(output_, HasSubstr("next\r\n"));
}

TEST_F(RunnerTest, RunsACommandOnlyIfItsProgramIsOrIsNotOnThePath) {
  write_file(root_ / "bin" / "cah-tool", "#!/bin/sh\n");
  fs::permissions(root_ / "bin" / "cah-tool", fs::perms::owner_all);
  write_file(root_ / "bin" / "cah-not-executable", "");
  CommandSpec with_tool = shell("echo with tool");
  with_tool.when_available = "cah-tool";
  CommandSpec without_tool = shell("echo without tool");
  without_tool.unless_available = "cah-tool";
  CommandSpec never = shell("echo never");
  never.when_available = "cah-not-executable";
  CommandSpec fallback = shell("echo fallback");
  fallback.unless_available = "cah-no-such-program";
  Job job = job_of({with_tool, without_tool, never, fallback});
  job.env = {{"PATH", (root_ / "bin").string() + ":/usr/bin:/bin"}};
  JobResult result = run(job);
  EXPECT_EQ(output_, "with tool\r\nfallback\r\n");
  EXPECT_EQ(result.commands.size(), 2U);  // the skipped ones have no result

  output_.clear();
  job.env = {{"PATH", "/usr/bin:/bin"}};
  result = run(job);
  EXPECT_EQ(output_, "without tool\r\nfallback\r\n");
  EXPECT_EQ(result.commands.size(), 2U);
}

TEST_F(RunnerTest, AJobWithNoCrateRunsInAnEmptyBuildDir) {
  Job job = job_of({shell("ls -A; echo done")});
  job.source = {.kind = Source::Kind::kNone};
  const JobResult result = run(job);
  EXPECT_EQ(output_, "done\r\n");
  ASSERT_EQ(result.commands.size(), 1U);
  EXPECT_EQ(result.commands[0].exit_code, 0);
}

TEST_F(RunnerTest, EchoesEachShownCommandWhenAsked) {
  RunnerOptions echoing = options();
  echoing.echo_commands = true;
  Runner runner(echoing);
  std::string output;
  runner.run(job_of({shell("echo it's here", /*show_output=*/false),
                     {.argv = {"echo", "plain", "two words", "it's"}}}),
             [&](std::string_view bytes) { output += bytes; });
  EXPECT_EQ(output,
            "\x1b[1m$ echo plain 'two words' 'it'\\''s'\x1b[0m\r\nplain two words it's\r\n");
}

TEST_F(RunnerTest, WallTimeoutKillsAndStops) {
  const auto started = Clock::now();
  const JobResult result =
      run(job_of({{.argv = {"sleep", "30"}}, shell("echo never")}, {.wall_seconds = 1}));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(result.timed_out, Timeout::kWall);
  ASSERT_EQ(result.commands.size(), 1U);
  EXPECT_EQ(result.commands[0].signal, SIGKILL);
  EXPECT_GE(result.commands[0].wall_seconds, 0.9);
  EXPECT_THAT(output_, Not(HasSubstr("never")));
}

TEST_F(RunnerTest, ACommandsOwnTimeoutCountsFromItsStart) {
  const auto started = Clock::now();
  const JobResult result = run(job_of({shell("sleep 1; echo warmed"),
                                       {.argv = {"sleep", "30"}, .timeout_seconds = 1},
                                       shell("echo never")},
                                      {.wall_seconds = 60}));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(6));
  EXPECT_EQ(result.timed_out, Timeout::kWall);
  ASSERT_EQ(result.commands.size(), 2U);
  EXPECT_EQ(result.commands[0].exit_code, 0);
  EXPECT_EQ(result.commands[1].signal, SIGKILL);
  EXPECT_GE(result.commands[1].wall_seconds, 0.9);
  EXPECT_THAT(output_, HasSubstr("warmed"));
  EXPECT_THAT(output_, Not(HasSubstr("never")));
}

TEST_F(RunnerTest, NoOutputTimeoutKillsASilentCommand) {
  const auto started = Clock::now();
  const JobResult result =
      run(job_of({{.argv = {"sleep", "30"}}}, {.wall_seconds = 60, .no_output_seconds = 1}));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(result.timed_out, Timeout::kNoOutput);
  ASSERT_EQ(result.commands.size(), 1U);
  EXPECT_EQ(result.commands[0].signal, SIGKILL);
}

TEST_F(RunnerTest, OutputKeepsTheNoOutputTimeoutAway) {
  const JobResult result = run(job_of({shell("for i in 1 2 3 4 5; do echo $i; sleep 0.3; done")},
                                      {.wall_seconds = 60, .no_output_seconds = 1}));
  EXPECT_EQ(result.timed_out, Timeout::kNone);
  EXPECT_EQ(output_, "1\r\n2\r\n3\r\n4\r\n5\r\n");
}

TEST_F(RunnerTest, KillsADaemonTheJobLeftBehind) {
  const fs::path pid_file = outside() / "pid";
  const fs::path marker = outside() / "MARKER";
  fs::create_directories(outside());
  const std::string daemon =
      "echo $$ > " + pid_file.string() + "; sleep 30; touch " + marker.string();
  const auto started = Clock::now();
  const JobResult result =
      run(job_of({shell("setsid sh -c '" + daemon + "' & while [ ! -s " + pid_file.string() +
                        " ]; do sleep 0.01; done; exit 0")}));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
  ASSERT_EQ(result.commands.size(), 1U);
  EXPECT_EQ(result.commands[0].exit_code, 0);
  const pid_t daemon_pid = std::stoi(read_file(pid_file));
  EXPECT_FALSE(alive(daemon_pid));
  EXPECT_THAT(live_descendants(getpid()), IsEmpty());
  EXPECT_FALSE(fs::exists(marker));
}

TEST_F(RunnerTest, AGrandchildHoldingTheTerminalDoesNotHangTheJob) {
  const auto started = Clock::now();
  const JobResult result = run(job_of({shell("sleep 30 & echo started")}));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
  ASSERT_EQ(result.commands.size(), 1U);
  EXPECT_EQ(result.commands[0].exit_code, 0);
  EXPECT_EQ(result.timed_out, Timeout::kNone);
  EXPECT_EQ(output_, "started\r\n");
  EXPECT_THAT(live_descendants(getpid()), IsEmpty());
}

TEST_F(RunnerTest, ACommandThatClosesItsTerminalIsStillTimed) {
  const auto started = Clock::now();
  const JobResult result =
      run(job_of({shell("exec sleep 30 </dev/null >/dev/null 2>&1")}, {.wall_seconds = 1}));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(result.timed_out, Timeout::kWall);
}

TEST_F(RunnerTest, ReplacesCrateArgsFromDocsRsMetadata) {
  write_file(source() / "Cargo.toml",
             "[package]\nname = \"x\"\nversion = \"1.0.0\"\n"
             "[package.metadata.docs.rs]\nfeatures = [\"a\", \"b\"]\nall-features = true\n");
  Job job = job_of({{.argv = {"sh", "-c", "printf '%s|' \"$@\"", "sh", "{crate_args}", "end"}},
                    {.argv = {"echo", "{crate_args}x"}}});
  job.toolchain = "nightly";
  run(job);
  EXPECT_EQ(output_, "--features=a,b|--all-features|end|{crate_args}x\r\n");
}

TEST_F(RunnerTest, DocsRsMetadataOnStableIsDroppedWithABoldNote) {
  write_file(source() / "Cargo.toml",
             "[package]\nname = \"x\"\nversion = \"1.0.0\"\n"
             "[package.metadata.docs.rs]\nall-features = true\n");
  const CommandSpec count = {.argv = {"sh", "-c", "echo args: $#", "sh", "{crate_args}"}};
  run(job_of({count}));  // job_of's toolchain is stable
  EXPECT_EQ(output_,
            "\x1b[1mcrater-at-home: docs.rs metadata (--all-features) not applied: it is meant "
            "for nightly and the toolchain is stable\x1b[0m\r\nargs: 0\r\n");

  // RUSTC_BOOTSTRAP=1 lets stable take #![feature]: the metadata applies.
  output_.clear();
  Job bootstrapped = job_of({count});
  bootstrapped.env = {{"RUSTC_BOOTSTRAP", "1"}};
  run(bootstrapped);
  EXPECT_EQ(output_, "args: 1\r\n");
}

TEST_F(RunnerTest, AJobWithoutCrateArgsNeverReadsTheManifest) {
  write_file(source() / "Cargo.toml", "[package\nnot toml");
  std::vector<std::string> warnings;
  RunnerOptions watched = options();
  watched.on_warning = [&](std::string_view warning) { warnings.emplace_back(warning); };
  Runner runner(watched);
  runner.run(job_of({shell("echo ok")}), [this](std::string_view bytes) { output_ += bytes; });
  EXPECT_EQ(output_, "ok\r\n");
  EXPECT_THAT(warnings, IsEmpty());
}

TEST_F(RunnerTest, NoCrateArgsLeavesNoArgument) {
  const JobResult result =
      run(job_of({{.argv = {"sh", "-c", "echo $#", "sh", "{crate_args}", "{crate_args}"}}}));
  EXPECT_EQ(output_, "0\r\n");
}

TEST_F(RunnerTest, EachJobStartsFromAFreshCopyAndLeavesNothing) {
  Runner runner = make_runner();
  auto keep = [this](std::string_view bytes) { output_ += bytes; };
  runner.run(job_of({shell("cat src/lib.rs; echo x > left-behind; echo y > " + tmp().string() +
                           "/t; mkdir ro; touch ro/f; chmod a-w ro")}),
             keep);
  EXPECT_EQ(output_, "// the crate\r\n");
  EXPECT_TRUE(fs::is_empty(build()));
  EXPECT_TRUE(fs::is_empty(tmp()));
  EXPECT_FALSE(fs::exists(source() / "left-behind"));

  write_file(tmp() / "stale", "from before the agent\n");
  output_.clear();
  runner.run(job_of({shell("ls -A1; ls -A1 " + tmp().string())}), keep);
  EXPECT_EQ(output_, "Cargo.toml\r\nsrc\r\n");
}

TEST_F(RunnerTest, UnpacksACrateArchive) {
  write_file(root_ / "pkg" / "y-2.0.0" / "Cargo.toml",
             "[package]\nname = \"y\"\nversion = \"2.0.0\"\n"
             "[package.metadata.playground]\nno-default-features = true\n");
  const fs::path archive = root_ / "y-2.0.0.crate";
  const std::string tar =
      "tar -C " + (root_ / "pkg").string() + " -czf " + archive.string() + " y-2.0.0";
  ASSERT_EQ(std::system(tar.c_str()), 0);
  Job job =
      job_of({{.argv = {"sh", "-c", "echo \"$@\"; head -2 Cargo.toml", "sh", "{crate_args}"}}});
  job.source = {.kind = Source::Kind::kArchive, .path = archive.string()};
  run(job);
  EXPECT_EQ(output_, "--no-default-features\r\n[package]\r\nname = \"y\"\r\n");
}

TEST_F(RunnerTest, AMissingSourceIsAJobError) {
  Job job = job_of({shell("echo never")});
  job.source.path = (root_ / "nowhere").string();
  write_file(tmp() / "stale", "x");
  EXPECT_THROW(run(job), JobError);
  EXPECT_EQ(output_, "");
  EXPECT_TRUE(fs::is_empty(build()));
  EXPECT_TRUE(fs::is_empty(tmp()));

  job.source = {.kind = Source::Kind::kArchive, .path = (root_ / "nowhere.crate").string()};
  EXPECT_THROW(run(job), JobError);
}

constexpr std::string_view kCargoConfig =
    "[source.crates-io]\nreplace-with = \"local\"\n"
    "[source.local]\ndirectory = \"/usr/share/cargo/registry\"\n[net]\noffline = true\n";

TEST_F(RunnerTest, WritesTheCargoConfigIntoAnEmptiedCargoHome) {
  write_file(cargo_home() / "registry" / "stale", "from another job\n");
  Job job = job_of({shell(R"(cat "$CARGO_HOME/config.toml"; ls -A1 "$CARGO_HOME")")});
  job.env = {{"CARGO_HOME", cargo_home().string()}};
  job.cargo_config = kCargoConfig;
  run(job);
  std::string expected = std::string(kCargoConfig) + "config.toml\n";
  for (size_t at = 0; (at = expected.find('\n', at)) != std::string::npos; at += 2) {
    expected.insert(at, "\r");
  }
  EXPECT_EQ(output_, expected);
  EXPECT_TRUE(fs::is_empty(cargo_home()));
}

TEST_F(RunnerTest, NoCargoConfigLeavesNoFile) {
  write_file(cargo_home() / "config.toml", "stale = true\n");
  run(job_of({shell("ls -A " + cargo_home().string() + "; echo end")}));
  EXPECT_EQ(output_, "end\r\n");
}

TEST_F(RunnerTest, ACargoHomeInsideTheBuildDirGetsOurConfig) {
  // As in the worker image: CARGO_HOME=/build/.cargo. A crate that comes
  // with a .cargo/config.toml has it replaced; an archive still unpacks.
  write_file(source() / ".cargo" / "config.toml", "[build]\nrustflags = [\"--evil\"]\n");
  write_file(source() / ".cargo" / "config", "[build]\nrustflags = [\"--evil\"]\n");
  RunnerOptions in_build = options();
  in_build.cargo_home = build() / ".cargo";
  in_build.writable_dirs.push_back(build() / ".cargo" / "registry");
  Runner runner(in_build);
  Job job = job_of({shell("cat .cargo/config.toml; ls -A1 .cargo")});
  job.cargo_config = "[net]\noffline = true\n";
  runner.run(job, [this](std::string_view bytes) { output_ += bytes; });
  EXPECT_EQ(output_, "[net]\r\noffline = true\r\nconfig.toml\r\nregistry\r\n");
  EXPECT_TRUE(fs::is_empty(build()));

  write_file(root_ / "pkg" / "y-2.0.0" / "Cargo.toml", "[package]\nname = \"y\"\n");
  const fs::path archive = root_ / "y-2.0.0.crate";
  const std::string tar =
      "tar -C " + (root_ / "pkg").string() + " -czf " + archive.string() + " y-2.0.0";
  ASSERT_EQ(std::system(tar.c_str()), 0);
  job.source = {.kind = Source::Kind::kArchive, .path = archive.string()};
  output_.clear();
  const JobResult result = runner.run(job, [this](std::string_view bytes) { output_ += bytes; });
  EXPECT_EQ(output_, "[net]\r\noffline = true\r\nconfig.toml\r\nregistry\r\n");
  EXPECT_EQ(result.commands.at(0).exit_code, 0);
}

TEST_F(RunnerTest, ACargoConfigWithoutACargoHomeIsAJobError) {
  RunnerOptions no_home = options();
  no_home.cargo_home.clear();
  Runner runner(no_home);
  Job job = job_of({shell("echo never")});
  job.cargo_config = kCargoConfig;
  EXPECT_THROW(runner.run(job, [this](std::string_view bytes) { output_ += bytes; }), JobError);
  EXPECT_EQ(output_, "");
}

/// An inline job's files, as a plain tar.
std::string inline_files(const fs::path& scratch,
                         const std::function<void(registry::testing::TarGzWriter&)>& add) {
  const fs::path file = scratch / "files.tar";
  {
    registry::testing::TarGzWriter writer(file, /*gzip=*/false);
    add(writer);
    writer.close();
  }
  std::string bytes = read_file(file);
  fs::remove(file);
  return bytes;
}

void good_files(registry::testing::TarGzWriter& w) {
  w.add_file("source/Cargo.toml", "[package]\nname = \"x\"\n");
  w.add_file("source/src/lib.rs", std::string(20'000, '/'));
  w.add_file("deps/b-1.0.0/Cargo.toml", "[package]\nname = \"b\"\n");
  w.add_file("deps/b-1.0.0/.cargo-checksum.json", R"({"files":{},"package":""})");
}

/// Hands out `bytes` in chunks of `chunk`.
FilesReader chunked(const std::string& bytes, size_t chunk) {
  auto rest = std::make_shared<std::string_view>(bytes);
  return [rest, chunk] {
    const std::string_view next = rest->substr(0, std::min(chunk, rest->size()));
    rest->remove_prefix(next.size());
    return next;
  };
}

TEST_F(RunnerTest, AnInlineJobBuildsFromItsFilesReadInAnyChunks) {
  const std::string files = inline_files(root_, good_files);
  Job job = job_of({shell("ls -A1; wc -c < src/lib.rs; cat \"$DEPS/b-1.0.0/Cargo.toml\"")});
  job.source = {.kind = Source::Kind::kInline};
  job.env = {{"DEPS", (cargo_home() / kInlineDepsFolder).string()}};
  for (const size_t chunk : {size_t{1}, size_t{700}, size_t{10'240}, files.size()}) {
    Runner runner = make_runner();
    output_.clear();
    const JobResult result = runner.run(
        job, [this](std::string_view bytes) { output_ += bytes; }, chunked(files, chunk));
    EXPECT_EQ(output_, "Cargo.toml\r\nsrc\r\n20000\r\n[package]\r\nname = \"b\"\r\n")
        << "chunks of " << chunk;
    EXPECT_EQ(result.commands.at(0).exit_code, 0);
    EXPECT_TRUE(fs::is_empty(build()));
    EXPECT_TRUE(fs::is_empty(cargo_home()));
  }
}

TEST_F(RunnerTest, HostileOrBrokenInlineFilesAreAJobError) {
  const std::vector<std::string> hostile = {
      inline_files(root_,
                   [&](auto& w) {
                     w.add_file("source/Cargo.toml", "");
                     w.add_file("source/../outside/x", "x");
                   }),
      inline_files(root_,
                   [&](auto& w) {
                     w.add_file("source/Cargo.toml", "");
                     w.add_symlink("deps/b", outside().string());
                   }),
      inline_files(root_,
                   [&](auto& w) {
                     w.add_file("source/Cargo.toml", "");
                     w.add_special("deps/null", AE_IFCHR);
                   }),
      inline_files(root_, [&](auto& w) { w.add_file("deps/b/Cargo.toml", ""); }),
      inline_files(root_, good_files).substr(0, 3000),  // the stream broke off
  };
  Job job = job_of({shell("echo never")});
  job.source = {.kind = Source::Kind::kInline};
  for (const std::string& files : hostile) {
    EXPECT_THROW(run_inline(job, chunked(files, 512)), JobError);
    EXPECT_EQ(output_, "");
    EXPECT_FALSE(fs::exists(outside()));
    EXPECT_TRUE(fs::is_empty(build()));
    EXPECT_TRUE(fs::is_empty(cargo_home()));
  }
  EXPECT_THROW(run(job), JobError);  // no files at all
}

TEST_F(RunnerTest, AStopWhileTheFilesComeCleansUp) {
  const std::string files = inline_files(root_, good_files);
  Job job = job_of({shell("echo never")});
  job.source = {.kind = Source::Kind::kInline};
  size_t calls = 0;
  std::string_view rest = files;
  EXPECT_THROW(run_inline(job,
                          [&]() -> std::string_view {
                            if (++calls > 3) throw Stopped("stop");
                            const std::string_view next = rest.substr(0, 100);
                            rest.remove_prefix(next.size());
                            return next;
                          }),
               Stopped);
  EXPECT_TRUE(fs::is_empty(build()));
  EXPECT_TRUE(fs::is_empty(cargo_home()));
}

TEST_F(RunnerTest, AStopKillsTheJobAndCleansUp) {
  bool stop = false;
  RunnerOptions stoppable = options();
  stoppable.should_stop = [&stop] { return stop; };
  Runner runner(stoppable);
  const auto started = Clock::now();
  EXPECT_THROW(runner.run(job_of({shell("echo $$; exec sleep 100"), shell("echo never")}),
                          [&](std::string_view bytes) {
                            output_ += bytes;
                            stop = true;
                          }),
               Stopped);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(3));
  EXPECT_FALSE(alive(std::stoi(output_)));
  EXPECT_THAT(output_, Not(HasSubstr("never")));
  EXPECT_THAT(live_descendants(getpid()), IsEmpty());
  EXPECT_TRUE(fs::is_empty(build()));
}

TEST_F(RunnerTest, ReadsOomKillsAndPeakFromCgroupV1) {
  const fs::path memory = cgroup() / "memory";
  write_file(memory / "memory.max_usage_in_bytes", "12345\n");
  write_file(memory / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  const JobResult clean = run(job_of({shell("true")}));
  EXPECT_FALSE(clean.oom_killed);
  EXPECT_EQ(clean.peak_memory_bytes, 0U);  // reset before the job
  EXPECT_EQ(clean.peak_memory_source, PeakMemorySource::kCgroupMaxUsage);

  const JobResult result =
      run(job_of({shell(R"(printf 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n' > )" +
                        (memory / "memory.oom_control").string() + "; echo 999 > " +
                        (memory / "memory.max_usage_in_bytes").string()),
                  shell("echo never")}));
  EXPECT_TRUE(result.oom_killed);
  EXPECT_EQ(result.peak_memory_bytes, 999U);
  EXPECT_EQ(result.commands.size(), 1U);  // nothing runs after an OOM kill
}

TEST_F(RunnerTest, ReadsOomKillsAndPeakFromCgroupV2) {
  write_file(cgroup() / "memory.peak", "999999\n");
  write_file(cgroup() / "memory.events", "low 0\nhigh 0\nmax 1\noom 1\noom_kill 1\n");
  // Reset through the meter's descriptor, the kernel shows the peak since
  // then: here, what the job writes.
  const JobResult clean =
      run(job_of({shell("echo 4096 > " + (cgroup() / "memory.peak").string())}));
  EXPECT_FALSE(clean.oom_killed);
  EXPECT_EQ(clean.peak_memory_bytes, 4096U);
  EXPECT_EQ(clean.peak_memory_source, PeakMemorySource::kCgroupPeak);

  const JobResult result =
      run(job_of({shell(R"(printf 'low 0\nhigh 0\nmax 2\noom 2\noom_kill 2\n' > )" +
                        (cgroup() / "memory.events").string())}));
  EXPECT_TRUE(result.oom_killed);
}

/// The agent binary as the server runs it: jobs in on stdin, frames out.
class RunnerAgentBinary : public RunnerTest {
 protected:
  void TearDown() override {
    if (in_ >= 0) close(in_);
    if (out_ >= 0) close(out_);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    RunnerTest::TearDown();
  }

  /// Starts the agent; pid_ is its process, in_ its stdin, out_ its stdout.
  void start_agent() {
    int in_pipe[2];
    int out_pipe[2];
    ASSERT_EQ(pipe2(in_pipe, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(out_pipe, O_CLOEXEC), 0);
    // Never the defaults: they are the real /tmp and ~/.cargo.
    const std::vector<std::string> args = {
        CAH_AGENT_BINARY, "--build-dir",         build().string(), "--writable-dir", tmp().string(),
        "--cargo-home",   cargo_home().string(), "--cgroup-root",  cgroup().string()};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in_pipe[0], STDIN_FILENO);
      dup2(out_pipe[1], STDOUT_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    in_ = in_pipe[1];
    out_ = out_pipe[0];
  }

  /// Small enough input for the pipe buffer: no writer thread needed.
  void send(const std::string& input) {
    EXPECT_EQ(write(in_, input.data(), input.size()), static_cast<ssize_t>(input.size()));
  }

  /// Reads frames from the agent until `enough` says so or its stdout ends.
  std::vector<Frame> read_frames(const std::function<bool(const Frame&)>& enough) {
    std::vector<Frame> frames;
    bool done = false;
    FrameReader reader(Direction::kToServer, [&](Frame frame) {
      done = done || enough(frame);
      frames.push_back(std::move(frame));
    });
    char buffer[4096];
    ssize_t n = 0;
    while (!done && (n = read(out_, buffer, sizeof buffer)) > 0) {
      reader.feed(std::string_view(buffer, n));
    }
    if (n == 0) reader.finish();
    return frames;
  }

  /// The agent's exit status, once it has exited.
  int wait_agent() {
    int status = -1;
    waitpid(std::exchange(pid_, -1), &status, 0);
    return status;
  }

  /// Runs the agent on `input`; its stdout, and its exit status in status.
  std::string run_agent(const std::string& input, int& status) {
    start_agent();
    send(input);
    close(std::exchange(in_, -1));
    std::string output;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = read(out_, buffer, sizeof buffer)) > 0) output.append(buffer, n);
    status = wait_agent();
    return output;
  }

  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
};

TEST_F(RunnerAgentBinary, AnswersEachJobWithOutputThenOneResult) {
  Job bad = job_of({shell("echo never")});
  bad.source.path = (root_ / "nowhere").string();
  const std::string input =
      encode(FrameType::kJob, to_payload(job_of({shell("echo one")}))) +
      encode(FrameType::kJob, to_payload(bad)) +
      encode(FrameType::kJob, to_payload(job_of({shell("echo two; exit 4")})));
  int status = -1;
  const std::string output = run_agent(input, status);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  std::vector<Frame> frames;
  FrameReader reader(Direction::kToServer,
                     [&](Frame frame) { frames.push_back(std::move(frame)); });
  reader.feed(output);
  reader.finish();
  std::vector<FrameType> types;
  types.reserve(frames.size());
  for (const auto& frame : frames) types.push_back(frame.type);
  ASSERT_THAT(types, ElementsAre(FrameType::kOutput, FrameType::kResult, FrameType::kError,
                                 FrameType::kOutput, FrameType::kResult));
  EXPECT_EQ(frames[0].payload, "one\r\n");
  EXPECT_EQ(parse_job_result(frames[1].payload).commands.at(0).exit_code, 0);
  EXPECT_THAT(frames[2].payload, HasSubstr("nowhere"));
  EXPECT_EQ(frames[3].payload, "two\r\n");
  EXPECT_EQ(parse_job_result(frames[4].payload).commands.at(0).exit_code, 4);
}

/// An inline job's frames: the job, its files in frames of the given
/// sizes (cycled), the empty end.
std::string inline_frames(const Job& job, std::string_view files,
                          const std::vector<size_t>& sizes) {
  std::string out = encode(FrameType::kJob, to_payload(job));
  for (size_t i = 0; !files.empty(); ++i) {
    const size_t n = std::min(sizes[i % sizes.size()], files.size());
    out += encode(FrameType::kFiles, files.substr(0, n));
    files.remove_prefix(n);
  }
  return out;
}

std::vector<Frame> frames_of(const std::string& output) {
  std::vector<Frame> frames;
  FrameReader reader(Direction::kToServer,
                     [&](Frame frame) { frames.push_back(std::move(frame)); });
  reader.feed(output);
  reader.finish();
  return frames;
}

TEST_F(RunnerAgentBinary, AnInlineJobsFilesFollowItInFramesAndARefusedOnesAreSkipped) {
  const std::string files = inline_files(root_, [](auto& w) {
    w.add_file("source/Cargo.toml", "[package]\n");
    w.add_file("deps/b-1.0.0/lib.rs", "b");
  });
  const std::string hostile = inline_files(root_, [&](auto& w) {
    w.add_file("source/Cargo.toml", "");
    w.add_symlink("source/x", "/etc/passwd");
    w.add_file("source/pad", std::string(8000, 'p'));
  });
  Job job = job_of({shell("echo \"$(cat \"$DEPS/b-1.0.0/lib.rs\") $(ls)\"")});
  job.source = {.kind = Source::Kind::kInline};
  job.env = {{"DEPS", (cargo_home() / kInlineDepsFolder).string()}};
  Job bad_json_job = job;
  bad_json_job.commands[0].argv.clear();  // refused before its files are read
  const std::string end = encode(FrameType::kFiles, "");
  const std::string input = inline_frames(job, files, {1, 513, 7, 4096}) + end +
                            inline_frames(job, hostile, {1000}) + end +
                            inline_frames(bad_json_job, files, {2000}) + end +
                            encode(FrameType::kJob, to_payload(job_of({shell("echo plain")})));
  ASSERT_LT(input.size(), size_t{60'000});  // the pipe takes it whole
  int status = -1;
  const std::vector<Frame> frames = frames_of(run_agent(input, status));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::vector<FrameType> types;
  types.reserve(frames.size());
  for (const auto& frame : frames) types.push_back(frame.type);
  ASSERT_THAT(types, ElementsAre(FrameType::kOutput, FrameType::kResult, FrameType::kError,
                                 FrameType::kError, FrameType::kOutput, FrameType::kResult));
  EXPECT_EQ(frames[0].payload, "b Cargo.toml\r\n");
  EXPECT_THAT(frames[2].payload, HasSubstr("'source/x'"));
  EXPECT_THAT(frames[3].payload, HasSubstr("bad job"));
  EXPECT_EQ(frames[4].payload, "plain\r\n");
}

TEST_F(RunnerAgentBinary, FilesThatEndWithTheInputAreAJobErrorNotACrash) {
  const std::string files = inline_files(root_, good_files);
  Job job = job_of({shell("echo never")});
  job.source = {.kind = Source::Kind::kInline};
  // Whole frames, but the stream's end never comes.
  int status = -1;
  const std::vector<Frame> frames =
      frames_of(run_agent(inline_frames(job, files.substr(0, 4000), {1000}), status));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].type, FrameType::kError);
  EXPECT_THAT(frames[0].payload, HasSubstr("ended inside the job's files"));
  EXPECT_TRUE(fs::is_empty(build()));
}

TEST_F(RunnerAgentBinary, ExitsAtOnceOnNoInput) {
  int status = -1;
  EXPECT_EQ(run_agent("", status), "");
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(RunnerAgentBinary, RefusesToEmptyARealCargoHome) {
  write_file(cargo_home() / "bin" / "cargo", "#!/bin/sh\n");
  // The agent refuses before it reads: the job may meet a closed pipe.
  const auto old_handler = std::signal(SIGPIPE, SIG_IGN);
  start_agent();
  const std::string job = encode(FrameType::kJob, to_payload(job_of({shell("echo never")})));
  const ssize_t written = write(in_, job.data(), job.size());
  EXPECT_TRUE(written == static_cast<ssize_t>(job.size()) || (written < 0 && errno == EPIPE))
      << std::strerror(errno);
  std::signal(SIGPIPE, old_handler);
  close(std::exchange(in_, -1));
  char buffer[4096];
  EXPECT_EQ(read(out_, buffer, sizeof buffer), 0);
  const int status = wait_agent();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_TRUE(fs::exists(cargo_home() / "bin" / "cargo"));
}

TEST_F(RunnerAgentBinary, SigtermKillsTheJobAndEndsTheAgentWithoutAResult) {
  start_agent();
  send(encode(FrameType::kJob, to_payload(job_of({shell("echo $$; exec sleep 100")}))));
  const std::vector<Frame> started =
      read_frames([](const Frame& frame) { return frame.payload.find('\n') != std::string::npos; });
  ASSERT_THAT(started, Not(IsEmpty()));
  ASSERT_EQ(started.back().type, FrameType::kOutput);
  const pid_t sleep_pid = std::stoi(started.back().payload);
  ASSERT_TRUE(alive(sleep_pid));

  const auto signalled = Clock::now();
  kill(pid_, SIGTERM);
  const std::vector<Frame> rest = read_frames([](const Frame&) { return false; });
  const int status = wait_agent();
  EXPECT_LT(Clock::now() - signalled, std::chrono::seconds(3));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  for (const Frame& frame : rest) EXPECT_EQ(frame.type, FrameType::kOutput);
  EXPECT_FALSE(alive(sleep_pid));
  EXPECT_TRUE(fs::is_empty(build()));
}

TEST_F(RunnerAgentBinary, SigtermWhileFilesAreAwaitedEndsTheAgentWithNothingLeft) {
  const std::string files = inline_files(root_, good_files);
  Job job = job_of({shell("echo never")});
  job.source = {.kind = Source::Kind::kInline};
  start_agent();
  send(inline_frames(job, files.substr(0, 4096), {4096}));  // and no more
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!fs::exists(build() / "Cargo.toml") && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(fs::exists(build() / "Cargo.toml")) << "the agent unpacks as the files come";
  kill(pid_, SIGTERM);
  const std::vector<Frame> rest = read_frames([](const Frame&) { return false; });
  const int status = wait_agent();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_THAT(rest, IsEmpty());
  EXPECT_TRUE(fs::is_empty(build()));
  EXPECT_TRUE(fs::is_empty(cargo_home()));
}

TEST_F(RunnerAgentBinary, SigintBetweenJobsEndsTheAgent) {
  start_agent();
  send(encode(FrameType::kJob, to_payload(job_of({shell("echo ready")}))));
  const std::vector<Frame> frames =
      read_frames([](const Frame& frame) { return frame.type == FrameType::kResult; });
  ASSERT_THAT(frames, Not(IsEmpty()));
  ASSERT_EQ(frames.back().type, FrameType::kResult);

  const auto signalled = Clock::now();
  kill(pid_, SIGINT);
  EXPECT_THAT(read_frames([](const Frame&) { return false; }), IsEmpty());
  const int status = wait_agent();
  EXPECT_LT(Clock::now() - signalled, std::chrono::seconds(3));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
}

}  // namespace
}  // namespace agent
