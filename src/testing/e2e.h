#pragma once
// Helpers for the end-to-end tests that drive crater-at-home as a user does
// (src/cli/run_*test.cc): scratch folders, child processes with their
// output in files, waits for a condition, and Docker containers by label.
// Every name is unique across the test processes ctest runs at once.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace e2e {

/// `what-PID-N`: unique among the tests of every process running at once.
std::string unique_name(std::string_view what);

std::string read_file(const std::filesystem::path& path);
/// Writes `text` to `path`, making its folder first.
void write_file(const std::filesystem::path& path, std::string_view text);
std::string getenv_or_empty(const char* name);

/// Polls `done` every 100 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& done, std::chrono::seconds timeout);

/// A folder under /tmp for one test, `what-PID-N`, gone when the test ends.
class ScratchDir {
 public:
  explicit ScratchDir(std::string_view what);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& relative) const {
    return path_ / relative;
  }

 private:
  std::filesystem::path path_;
};

/// Runs `command` through sh; returns its stdout.
std::string shell_output(const std::string& command);

/// The containers `run --worker-prefix PREFIX` made (running or not).
std::string containers_labelled(const std::string& prefix);
/// Whether the containers of PREFIX are gone within a few seconds: one that
/// exited as it was removed can show as "Removal In Progress" for a moment.
bool containers_gone(const std::string& prefix);

/// A --worker-prefix of the test's own, `what-PID-N`; whatever containers a
/// failing test leaves under it are removed at the end.
class WorkerPrefix {
 public:
  explicit WorkerPrefix(std::string_view what);
  ~WorkerPrefix();
  WorkerPrefix(const WorkerPrefix&) = delete;
  WorkerPrefix& operator=(const WorkerPrefix&) = delete;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

/// Changes to a child's environment: a variable set, or unset when nullopt.
using Environment = std::map<std::string, std::optional<std::string>>;

struct ChildOptions {
  std::filesystem::path stdout_file;
  std::filesystem::path stderr_file;
  std::optional<std::filesystem::path> cwd;
  Environment env;
  /// Names of variables, or prefixes ending in '*', not passed on.
  std::vector<std::string> unset;
};

/// A child process with its output in files and stdin on /dev/null, with
/// no signal blocked or ignored; killed (SIGKILL) and reaped at the end if
/// the test did not wait for it.
class Child {
 public:
  /// Throws std::system_error if argv[0] cannot be started.
  Child(const std::vector<std::string>& argv, ChildOptions options);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  void send(int signal) const;

  /// The exit status, 128+N if killed by signal N; nullopt if it still runs
  /// after `timeout`.
  std::optional<int> wait(std::chrono::seconds timeout);
  bool exited() { return poll(); }

  std::string out() const { return read_file(options_.stdout_file); }
  std::string err() const { return read_file(options_.stderr_file); }
  /// What it said, for failure messages.
  std::string said() const { return "stderr:\n" + err() + "\nstdout:\n" + out(); }

 private:
  bool dropped(std::string_view name) const;
  bool poll();

  ChildOptions options_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

/// How a command run to its end went.
struct Finished {
  std::optional<int> status;
  std::string out;
  std::string err;
};
/// Runs `argv` to its end (killed after `timeout`); its output files are
/// OUTPUT_PREFIX.out and .err.
Finished run_to_end(const std::vector<std::string>& argv,
                    const std::filesystem::path& output_prefix, Environment env = {},
                    std::chrono::seconds timeout = std::chrono::seconds(120));

}  // namespace e2e
