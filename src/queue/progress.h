#pragma once
// What `crater-at-home run` shows while a sweep runs for days. On a terminal:
// one status line at the bottom, redrawn in place, with the crates that did not
// pass, requeues and warnings printed above it. Elsewhere (a log file, a CI
// job): timestamped log lines and a progress line every minute.
//
// Progress is passive and single-threaded, like everything the event loop
// drives: it writes only when called, and nothing else may write to `out`
// while it lives, or the status line is torn.

#include <spdlog/common.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result/outcome.h"

namespace spdlog {
class logger;
}

namespace queue {

using result::Outcome;

/// One of trace, debug, info, warn, error (any case), as `--log-level` and
/// CAH_LOG take them; throws std::invalid_argument naming the valid ones.
spdlog::level::level_enum parse_log_level(std::string_view name);
/// CAH_LOG, if set and not empty; `--log-level` wins over it. Throws like
/// parse_log_level().
std::optional<spdlog::level::level_enum> log_level_from_env();

/// `3d 04h`, `2h 05m`, `5m 10s`, `42s`: the two largest units, for ETAs and
/// elapsed times.
std::string format_duration(std::chrono::seconds duration);

/// One Docker engine, for the status line and the summary.
struct EngineStatus {
  std::string name;
  size_t workers = 0;
  size_t busy = 0;    // workers with a crate now
  size_t crates = 0;  // finished there so far
  bool lost = false;

  friend bool operator==(const EngineStatus&, const EngineStatus&) = default;
};

struct ProgressOptions {
  FILE* out = stderr;
  /// Draw a status line; the caller passes isatty(fileno(out)).
  bool terminal = false;
  /// Columns of the terminal; 0 asks it (TIOCGWINSZ) at every redraw, 120
  /// when it cannot tell.
  size_t columns = 0;
  size_t workers = 1;
  /// Crates to run this time, after skipping those already done.
  size_t total = 0;
  /// Lines below it are not printed; see also set_level().
  spdlog::level::level_enum level = spdlog::level::info;
  /// Defaults to steady_clock::now; tests pass a fake clock.
  std::function<std::chrono::steady_clock::time_point()> now;
};

class Progress {
 public:
  explicit Progress(ProgressOptions options);
  /// Clears the status line if finish() was not called.
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void set_level(spdlog::level::level_enum level);

  /// For crates no worker took (broken ones, found so by preparation).
  static constexpr size_t kNoWorker = static_cast<size_t>(-1);

  void started(size_t worker, std::string_view crate, std::string_view version);
  /// `seconds` is the crate's own run time, as the worker measured it. On a
  /// terminal only crates that did not pass get a line above the status.
  void finished(size_t worker, std::string_view crate, std::string_view version, Outcome outcome,
                double seconds);
  /// The worker died with the crate on it; the crate goes back in the queue.
  void requeued(size_t worker, std::string_view crate, std::string_view version,
                std::string_view why);
  /// Each engine's state, when the run has several (or one is lost): shown
  /// on the status line and the minutely progress line.
  void set_engines(std::vector<EngineStatus> engines);
  /// A log line from elsewhere in the run (a warning, an error).
  void message(spdlog::level::level_enum level, std::string_view text);

  /// Called about once a second by the event loop: keeps the elapsed times on
  /// the status line current, and writes the minutely progress line elsewhere.
  void tick();
  /// Clears the status line; later log lines are printed plainly.
  void finish();

  /// Counts per outcome, wall time, rate and the `slowest` slowest crates (at
  /// most 100 are kept), as lines of plain text for the end of the run.
  std::string summary(size_t slowest = 10) const;

 private:
  struct Running {
    std::string crate;
    std::string version;
    std::chrono::steady_clock::time_point since;
  };
  struct Slow {
    std::string crate;
    std::string version;
    double seconds;
    Outcome outcome;
  };

  void write_log_line(std::string_view line);
  void redraw(bool throttled);
  void report_if_due();
  std::string status(bool with_workers) const;
  std::string engines_status() const;
  std::optional<double> rate_per_hour() const;
  size_t done() const;
  void record_slow(std::string_view crate, std::string_view version, double seconds,
                   Outcome outcome);
  void stop_running(size_t worker);

  ProgressOptions options_;
  std::unique_ptr<spdlog::logger> logger_;
  std::chrono::steady_clock::time_point start_;
  std::array<size_t, result::kOutcomes.size()> counts_{};  // by Outcome
  size_t requeues_ = 0;
  std::vector<std::optional<Running>> running_;  // by worker
  std::vector<EngineStatus> engines_;
  // The slowest crates so far, a min-heap on seconds, at most kSlowestKept.
  std::vector<Slow> slowest_;
  std::optional<std::chrono::steady_clock::time_point> last_draw_;
  std::chrono::steady_clock::time_point last_report_;
  bool status_shown_ = false;
  bool finished_ = false;
};

}  // namespace queue
