#include "agent/runner.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "agent/command_process.h"
#include "agent/crate_args.h"
#include "agent/memory_meter.h"
#include "agent/process_tree.h"
#include "agent/workspace.h"
#include "pty/pty.h"

namespace agent {
namespace {

using Clock = std::chrono::steady_clock;

// After a command exits, a grandchild may still hold the terminal open; we
// stop reading once it has been quiet this long, or after kDrainLimit even
// if it keeps writing (it is killed right after).
constexpr auto kQuiet = std::chrono::milliseconds(100);
constexpr auto kDrainLimit = std::chrono::seconds(1);
// How often a running command's exit is checked when its terminal is quiet
// (a grandchild holding the terminal keeps the pty from hanging up).
constexpr auto kCheckInterval = std::chrono::milliseconds(100);

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

std::vector<std::string> expand_crate_args(const std::vector<std::string>& argv,
                                           const std::vector<std::string>& crate_args) {
  std::vector<std::string> result;
  for (const auto& arg : argv) {
    if (arg == "{crate_args}") {
      result.insert(result.end(), crate_args.begin(), crate_args.end());
    } else {
      result.push_back(arg);
    }
  }
  return result;
}

/// When a command must be cut short.
struct Limits {
  std::optional<Clock::time_point> wall_deadline;  // the command's or the job's, earlier
  std::optional<Clock::duration> no_output;
  std::function<bool()> should_stop;  // always set; true: the job is given up
};

struct CommandOutcome {
  CommandResult result;
  Timeout timed_out = Timeout::kNone;
};

/// Kills the command's group and whatever escaped it; the caller reaps.
void kill_command(const CommandProcess& process) {
  process.signal_group(SIGKILL);
  for (const pid_t pid : live_descendants(getpid())) kill(pid, SIGKILL);
}

/// Polls the command's terminal until it has exited and its terminal is
/// drained, or a limit passes and it is killed.
CommandOutcome watch(CommandProcess& process, const Limits& limits,
                     const Runner::OutputHandler& on_output) {
  const Clock::time_point started = Clock::now();
  Clock::time_point last_output = started;
  std::optional<Clock::time_point> exited_at;
  std::optional<util::ExitStatus> ending;
  Timeout timed_out = Timeout::kNone;
  bool terminal_open = true;
  std::array<char, size_t{64} * 1024> buffer;

  auto expired = [&](Clock::time_point now) {
    if (limits.wall_deadline && now >= *limits.wall_deadline) return Timeout::kWall;
    if (limits.no_output && now - last_output >= *limits.no_output) return Timeout::kNoOutput;
    return Timeout::kNone;
  };
  auto next_check = [&](Clock::time_point now) {
    if (ending) return now + kQuiet;
    Clock::time_point next = now + kCheckInterval;
    if (limits.wall_deadline) next = std::min(next, *limits.wall_deadline);
    if (limits.no_output) next = std::min(next, last_output + *limits.no_output);
    return next;
  };

  for (;;) {
    if (limits.should_stop()) {
      kill_command(process);
      process.reap(true);
      throw Stopped("the job was stopped");
    }
    Clock::time_point now = Clock::now();
    if (!ending) {
      timed_out = expired(now);
      if (timed_out != Timeout::kNone) {
        kill_command(process);
        ending = process.reap(true);
        exited_at = Clock::now();
      }
    }
    if (ending && !terminal_open) break;

    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_check(now) - now);
    pollfd p{terminal_open ? process.terminal() : -1, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::max<int64_t>(wait.count(), 0)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "poll on pty");
    }
    bool got_output = false;
    if (ready > 0) {
      const ssize_t n = read(process.terminal(), buffer.data(), buffer.size());
      if (n > 0) {
        got_output = true;
        last_output = Clock::now();
        on_output(std::string_view(buffer.data(), n));
      } else if (n == 0 || errno == EIO) {
        terminal_open = false;  // every process has closed the terminal
      } else if (errno != EINTR && errno != EAGAIN) {
        throw std::system_error(errno, std::generic_category(), "read from pty");
      }
    }
    if (!ending) {
      ending = process.reap(false);
      if (ending) exited_at = Clock::now();
    } else if (!got_output || Clock::now() - *exited_at > kDrainLimit) {
      break;  // only a grandchild still holds the terminal
    }
  }
  CommandOutcome outcome;
  outcome.result.exit_code = ending->exit_code;
  outcome.result.signal = ending->signal;
  outcome.result.wall_seconds = seconds_between(started, *exited_at);
  outcome.timed_out = timed_out;
  return outcome;
}

bool uses_crate_args(const Job& job) {
  return std::any_of(job.commands.begin(), job.commands.end(), [](const CommandSpec& command) {
    return std::find(command.argv.begin(), command.argv.end(), "{crate_args}") !=
           command.argv.end();
  });
}

/// The crate's own cargo arguments, for the job's toolchain; none (and no
/// manifest read) when no command asks for them.
CrateArgs crate_args_for(const Job& job, const std::filesystem::path& build_dir) {
  if (!uses_crate_args(job)) return {};
  const auto bootstrap = job.env.find("RUSTC_BOOTSTRAP");
  const ArgsToolchain toolchain{
      .name = job.toolchain,
      .unstable = accepts_unstable_features(
          job.toolchain, bootstrap == job.env.end() ? "" : std::string_view(bootstrap->second)),
  };
  return read_crate_args(build_dir / "Cargo.toml", toolchain);
}

/// Whether `program` is an executable file in one of `path`'s folders.
bool on_path(const std::string& program, std::string_view path) {
  while (true) {
    const size_t colon = path.find(':');
    const std::string_view dir = path.substr(0, colon);
    const std::string file = std::string(dir.empty() ? "." : dir) + "/" + program;
    std::error_code error;
    if (std::filesystem::is_regular_file(file, error) && access(file.c_str(), X_OK) == 0) {
      return true;
    }
    if (colon == std::string_view::npos) return false;
    path.remove_prefix(colon + 1);
  }
}

/// Whether the command's when_available / unless_available let it run.
bool wanted(const CommandSpec& command, const Job& job) {
  if (command.when_available.empty() && command.unless_available.empty()) return true;
  const auto job_path = job.env.find("PATH");
  const char* own_path = std::getenv("PATH");
  const std::string path = job_path != job.env.end() ? job_path->second
                           : own_path != nullptr     ? own_path
                                                     : "/usr/bin:/bin";
  if (!command.when_available.empty() && !on_path(command.when_available, path)) return false;
  return command.unless_available.empty() || !on_path(command.unless_available, path);
}

/// What the agent has to tell the reader of a log, bold, on a line of its own.
std::string note_line(std::string_view note) {
  return "\x1b[1mcrater-at-home: " + std::string(note) + "\x1b[0m\r\n";
}

/// "$ cargo +stable check '--features=a b'", bold, as a line of the log.
std::string echo_line(const std::vector<std::string>& argv) {
  std::string line = "\x1b[1m$";
  for (const std::string& arg : argv) {
    const bool plain = !arg.empty() && arg.find_first_not_of(
                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789_+=:,./@%-") == std::string::npos;
    line += ' ';
    if (plain) {
      line += arg;
      continue;
    }
    line += '\'';
    for (const char c : arg) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line + "\x1b[0m\r\n";
}

CommandOutcome run_command(const std::vector<std::string>& argv, const std::string& directory,
                           const std::map<std::string, std::string>& env, const Limits& limits,
                           const Runner::OutputHandler& on_output) {
  const Clock::time_point started = Clock::now();
  try {
    CommandProcess process(argv, directory, env);
    return watch(process, limits, on_output);
  } catch (const pty::ExecError& e) {
    // As a shell would: the command fails with 127 or 126, and says why.
    on_output(std::string("crater-at-home-agent: ") + e.what() + "\r\n");
    CommandOutcome outcome;
    outcome.result.exit_code = e.status();
    outcome.result.wall_seconds = seconds_between(started, Clock::now());
    return outcome;
  }
}

}  // namespace

Runner::Runner(RunnerOptions options) : options_(std::move(options)) { become_subreaper(); }

void Runner::warn(std::string_view message) const {
  if (options_.on_warning) options_.on_warning(message);
}

std::vector<std::filesystem::path> Runner::places() const {
  std::vector<std::filesystem::path> dirs = options_.writable_dirs;
  if (!options_.cargo_home.empty()) dirs.push_back(options_.cargo_home);
  dirs.push_back(options_.build_dir);
  return dirs;
}

bool Runner::should_stop() const { return options_.should_stop && options_.should_stop(); }

void Runner::prepare(const Job& job, const FilesReader& files) {
  try {
    if (!job.cargo_config.empty() && options_.cargo_home.empty()) {
      throw std::runtime_error("the job has a cargo config, but the agent has no cargo home");
    }
    const bool inline_files = job.source.kind == Source::Kind::kInline;
    if (inline_files && options_.cargo_home.empty()) {
      throw std::runtime_error(
          "an inline job's dependencies go in the cargo home: the agent has none");
    }
    if (inline_files && !files) throw std::runtime_error("an inline job came without its files");
    const std::vector<std::filesystem::path> dirs = places();
    for (const auto& dir : dirs) wipe_contents(dir);
    if (inline_files) {
      place_inline_files(files, options_.build_dir, options_.cargo_home / kInlineDepsFolder);
    } else {
      place_source(job.source, options_.build_dir);
    }
    // Emptying build_dir took the places inside it; unless the crate brought
    // its own, they are made again.
    for (const auto& dir : dirs) std::filesystem::create_directories(dir);
    if (!job.cargo_config.empty()) write_cargo_config(options_.cargo_home, job.cargo_config);
  } catch (const Stopped&) {
    clean_up();
    throw;
  } catch (const std::exception& e) {
    clean_up();
    throw JobError(e.what());
  }
}

void Runner::clean_up() {
  if (!end_descendants()) warn("some processes of the job could not be killed");
  for (const auto& dir : places()) {
    try {
      wipe_contents(dir);
    } catch (const std::exception& e) {
      warn(std::string("cannot empty ") + dir.string() + ": " + e.what());
    }
  }
}

JobResult Runner::run(const Job& job, const OutputHandler& on_output, const FilesReader& files) {
  const Clock::time_point started = Clock::now();
  // Anything a previous job (or the agent's start) left running goes first.
  end_descendants();
  prepare(job, files);

  JobResult result;
  MemoryMeter memory({.cgroup_root = options_.cgroup_root});
  try {
    const CrateArgs crate_args = crate_args_for(job, options_.build_dir);
    for (const auto& warning : crate_args.warnings) warn(warning);
    if (!crate_args.note.empty()) on_output(note_line(crate_args.note));

    Limits limits;
    if (job.timeouts.wall_seconds > 0) {
      limits.wall_deadline = started + std::chrono::seconds(job.timeouts.wall_seconds);
    }
    if (job.timeouts.no_output_seconds > 0) {
      limits.no_output = std::chrono::seconds(job.timeouts.no_output_seconds);
    }
    limits.should_stop = [this] { return should_stop(); };
    const OutputHandler discard = [](std::string_view) {};

    memory.start();
    for (const auto& command : job.commands) {
      if (should_stop()) throw Stopped("the job was stopped");
      if (!wanted(command, job)) continue;
      Limits command_limits = limits;
      if (command.timeout_seconds > 0) {
        const Clock::time_point deadline =
            Clock::now() + std::chrono::seconds(command.timeout_seconds);
        if (!limits.wall_deadline || deadline < *limits.wall_deadline) {
          command_limits.wall_deadline = deadline;
        }
      }
      const std::vector<std::string> argv = expand_crate_args(command.argv, crate_args.args);
      if (options_.echo_commands && command.show_output) on_output(echo_line(argv));
      const CommandOutcome outcome =
          run_command(argv, options_.build_dir.string(), job.env, command_limits,
                      command.show_output ? on_output : discard);
      end_descendants();
      result.commands.push_back(outcome.result);
      result.timed_out = outcome.timed_out;
      if (outcome.timed_out != Timeout::kNone || memory.oom_kills() > 0) break;
    }
  } catch (...) {
    clean_up();
    throw;
  }
  clean_up();
  result.oom_killed = memory.oom_kills() > 0;
  const PeakMemory peak = memory.finish();
  result.peak_memory_bytes = peak.bytes;
  result.peak_memory_source = peak.source;
  result.peak_memory_sample_ms = peak.sample_ms;
  result.wall_seconds = seconds_between(started, Clock::now());
  return result;
}

}  // namespace agent
