#pragma once
// Runs one Job inside the sandbox: empties the places a crate may write,
// puts the crate's source in the build folder, runs the job's commands on a
// pty under its timeouts, then ends every process the job left behind and
// empties those places again. One Runner per agent: it takes every orphan
// of the process as its own (it is PID 1 in the container, a child
// subreaper elsewhere) and kills every descendant between commands.

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "agent/job.h"

namespace agent {

/// The job could not start (no source, a failed unpack, a place that cannot
/// be emptied): the agent answers kError. Everything was cleaned up.
class JobError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RunnerOptions {
  /// Where the crate is put and its commands run; emptied like the others.
  std::filesystem::path build_dir;
  /// Emptied before and after every job (/tmp, the cargo registry cache,
  /// ~/.cache): their contents go, the folders stay.
  std::vector<std::filesystem::path> writable_dirs;
  /// Where cgroupfs is mounted; see MemoryMeter.
  std::filesystem::path cgroup_root = "/sys/fs/cgroup";
  /// What the agent itself has to say that is not crate output (bad docs.rs
  /// metadata, a place that could not be emptied after a job).
  std::function<void(std::string_view)> on_warning;
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
  /// no further command runs. Throws JobError if the job could not start.
  JobResult run(const Job& job, const OutputHandler& on_output);

 private:
  void prepare(const Job& job);
  void clean_up();
  void warn(std::string_view message) const;

  RunnerOptions options_;
};

}  // namespace agent
