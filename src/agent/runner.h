#pragma once
// Runs one Job inside the sandbox: empties the places a crate may write,
// puts the crate's source in the build folder and the job's cargo config in
// the cargo home, runs the job's commands on a pty under its timeouts, then
// ends every process the job left behind and empties those places again.
// One Runner per agent: it takes every orphan of the process as its own (a
// child subreaper) and kills every descendant between commands.

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "agent/job.h"
#include "agent/workspace.h"

namespace agent {

/// The job could not start (no source, a failed unpack, a place that cannot
/// be emptied): the agent answers kError. Everything was cleaned up.
class JobError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// RunnerOptions::should_stop said so: the job's processes were killed and
/// everything cleaned up. There is no result to send.
class Stopped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunnerOptions {
  /// Where the crate is put and its commands run; emptied like the others.
  std::filesystem::path build_dir;
  /// Emptied before and after every job (/tmp, ~/.cache): their contents
  /// go, the folders stay. One may lie inside build_dir.
  std::vector<std::filesystem::path> writable_dirs;
  /// The commands' CARGO_HOME: emptied like writable_dirs, then given the
  /// job's cargo_config as config.toml. Empty: the agent has none, and a
  /// job with a cargo_config cannot start.
  std::filesystem::path cargo_home;
  /// Where cgroupfs is mounted; see MemoryMeter.
  std::filesystem::path cgroup_root = "/sys/fs/cgroup";
  /// What the agent itself has to say that is not crate output (bad docs.rs
  /// metadata, a place that could not be emptied after a job).
  std::function<void(std::string_view)> on_warning;
  /// Writes "$ ARGV" (bold) before each shown command's output, so that a
  /// log says what ran, features from docs.rs metadata included.
  bool echo_commands = false;
  /// Asked while a job runs, at least every 100 ms and after every signal;
  /// once it says true, run() ends the job and throws Stopped.
  std::function<bool()> should_stop;
};

class Runner {
 public:
  using OutputHandler = std::function<void(std::string_view)>;

  /// Throws std::system_error if the process cannot become a subreaper.
  explicit Runner(RunnerOptions options);

  /// Runs `job`, passing the pty bytes of its shown commands to on_output as
  /// they come. A "{crate_args}" element of a command's argv is replaced by
  /// the crate's docs.rs cargo arguments. The wall timeout bounds the whole
  /// job, the no-output timeout each command; after a timeout or an OOM kill
  /// no further command runs. Throws JobError if the job could not start,
  /// Stopped if should_stop ended it.
  ///
  /// An inline job's files are read through `files` after the places are
  /// emptied: source/ becomes the build folder, deps/ the folder
  /// cargo_home/kInlineDepsFolder. A stream that breaks off or holds what a
  /// crate may not is a JobError; `files` may throw Stopped. The caller
  /// skips whatever of the stream was not read.
  JobResult run(const Job& job, const OutputHandler& on_output, const FilesReader& files = {});

 private:
  /// writable_dirs, cargo_home and build_dir last: emptying it removes
  /// whatever of the others lies inside it.
  std::vector<std::filesystem::path> places() const;
  void prepare(const Job& job, const FilesReader& files);
  void clean_up();
  bool should_stop() const;
  void warn(std::string_view message) const;

  RunnerOptions options_;
};

}  // namespace agent
