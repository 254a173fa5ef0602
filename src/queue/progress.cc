#include "queue/progress.h"

#include <fmt/format.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>
#include <utility>

namespace queue {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

constexpr auto kRedrawInterval = std::chrono::milliseconds(250);
constexpr auto kReportInterval = seconds(60);
constexpr size_t kFallbackColumns = 120;
constexpr size_t kSlowestKept = 100;
constexpr std::string_view kClearLine = "\r\x1b[K";
constexpr char kLogPattern[] = "%Y-%m-%d %H:%M:%S [%l] %v";

struct LevelName {
  std::string_view name;
  spdlog::level::level_enum level;
};
constexpr std::array<LevelName, 5> kLevels = {{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"error", spdlog::level::err},
}};

/// Hands each formatted log line to Progress, which knows whether a status
/// line must be cleared first and redrawn after.
class LineSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit LineSink(std::function<void(std::string_view)> write) : write_(std::move(write)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    write_({line.data(), line.size()});
  }
  void flush_() override {}

 private:
  std::function<void(std::string_view)> write_;
};

constexpr size_t index(Outcome outcome) { return static_cast<size_t>(outcome); }

/// For people, in the summary: broken crates and our own errors are set
/// apart from the crates that failed the tool.
std::string describe(Outcome outcome) {
  switch (outcome) {
    case Outcome::kBroken:
      return "broken (not tried)";
    case Outcome::kError:
      return "error (ours)";
    default:
      return std::string(result::outcome_label(outcome));
  }
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

size_t terminal_columns(FILE* out) {
  winsize size{};
  if (ioctl(fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return kFallbackColumns;
}

// Byte-wise, which is column-wise for crate names and versions (ASCII), but
// never splits a UTF-8 sequence.
void truncate(std::string& line, size_t width) {
  if (line.size() <= width) return;
  size_t cut = width;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  line.resize(cut);
}

std::string format_rate(std::optional<double> per_hour) {
  if (!per_hour) return "--/h";
  return *per_hour < 10 ? fmt::format("{:.1f}/h", *per_hour) : fmt::format("{:.0f}/h", *per_hour);
}

}  // namespace

spdlog::level::level_enum parse_log_level(std::string_view name) {
  for (const auto& level : kLevels) {
    if (equal_ignoring_case(name, level.name)) return level.level;
  }
  throw std::invalid_argument(
      fmt::format("unknown log level \"{}\" (expected trace, debug, info, warn or error)", name));
}

std::optional<spdlog::level::level_enum> log_level_from_env() {
  const char* value = std::getenv("CAH_LOG");
  if (value == nullptr || *value == '\0') return std::nullopt;
  try {
    return parse_log_level(value);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("CAH_LOG: {}", e.what()));
  }
}

std::string format_duration(seconds duration) {
  const auto total = std::max<seconds::rep>(duration.count(), 0);
  const auto days = total / 86400;
  const auto hours = total / 3600 % 24;
  const auto minutes = total / 60 % 60;
  const auto secs = total % 60;
  if (days > 0) return fmt::format("{}d {:02}h", days, hours);
  if (hours > 0) return fmt::format("{}h {:02}m", hours, minutes);
  if (minutes > 0) return fmt::format("{}m {:02}s", minutes, secs);
  return fmt::format("{}s", secs);
}

Progress::Progress(ProgressOptions options) : options_(std::move(options)) {
  if (!options_.now) options_.now = [] { return Clock::now(); };
  start_ = options_.now();
  last_report_ = start_;
  running_.resize(std::max<size_t>(options_.workers, 1));
  auto sink = std::make_shared<LineSink>([this](std::string_view line) { write_log_line(line); });
  logger_ = std::make_unique<spdlog::logger>("crater-at-home", std::move(sink));
  logger_->set_pattern(kLogPattern);
  logger_->set_level(options_.level);
}

Progress::~Progress() { finish(); }

void Progress::set_level(spdlog::level::level_enum level) { logger_->set_level(level); }

void Progress::started(size_t worker, std::string_view crate, std::string_view version) {
  if (worker >= running_.size()) running_.resize(worker + 1);
  running_[worker] = Running{std::string(crate), std::string(version), options_.now()};
  // On a terminal the status line already shows it.
  const auto level = options_.terminal ? spdlog::level::debug : spdlog::level::info;
  message(level, fmt::format("{} {}: started on worker {}", crate, version, worker));
  redraw(true);
  report_if_due();
}

void Progress::finished(size_t worker, std::string_view crate, std::string_view version,
                        Outcome outcome, double seconds) {
  stop_running(worker);
  ++counts_.at(index(outcome));
  record_slow(crate, version, seconds, outcome);
  auto level = spdlog::level::info;
  if (outcome == Outcome::kError || outcome == Outcome::kBroken) {
    level = spdlog::level::warn;
  } else if (outcome == Outcome::kPassed && options_.terminal) {
    level = spdlog::level::debug;
  }
  message(level, fmt::format("{} {}: {} ({:.1f} s)", crate, version, result::outcome_label(outcome),
                             seconds));
  redraw(true);
  report_if_due();
}

void Progress::requeued(size_t worker, std::string_view crate, std::string_view version,
                        std::string_view why) {
  stop_running(worker);
  ++requeues_;
  message(spdlog::level::warn,
          fmt::format("{} {}: requeued from worker {}: {}", crate, version, worker, why));
  redraw(true);
  report_if_due();
}

void Progress::set_engines(std::vector<EngineStatus> engines) { engines_ = std::move(engines); }

std::string Progress::engines_status() const {
  const bool lost = std::any_of(engines_.begin(), engines_.end(),
                                [](const EngineStatus& engine) { return engine.lost; });
  if (engines_.size() < 2 && !lost) return {};
  const std::chrono::duration<double> elapsed = options_.now() - start_;
  std::string text;
  for (const EngineStatus& engine : engines_) {
    text += text.empty() ? " | " : " · ";
    text += fmt::format("{} {}/{}", engine.name, engine.busy, engine.workers);
    if (engine.lost) {
      text += " lost";
    } else if (elapsed >= seconds(1) && engine.crates > 0) {
      text += fmt::format(" {:.0f}/h", static_cast<double>(engine.crates) * 3600 / elapsed.count());
    }
  }
  return text;
}

void Progress::message(spdlog::level::level_enum level, std::string_view text) {
  logger_->log(level, spdlog::string_view_t(text.data(), text.size()));
}

void Progress::tick() {
  redraw(true);
  report_if_due();
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (status_shown_) std::fputs(kClearLine.data(), options_.out);
  status_shown_ = false;
  std::fflush(options_.out);
}

std::string Progress::summary(size_t slowest) const {
  const auto wall = std::chrono::duration_cast<seconds>(options_.now() - start_);
  std::string text = fmt::format("Finished {} of {} crates in {}, {}\n", done(), options_.total,
                                 format_duration(wall), format_rate(rate_per_hour()));
  for (const Outcome outcome : result::kOutcomes) {
    text += fmt::format("  {:<21}{:>8}\n", describe(outcome), counts_.at(index(outcome)));
  }
  text += fmt::format("  {:<21}{:>8}\n", "requeued", requeues_);
  if (engines_.size() > 1) {
    text += "Engines:\n";
    for (const EngineStatus& engine : engines_) {
      text += fmt::format("  {:<40} {:>3} workers {:>8} crates\n", engine.name, engine.workers,
                          engine.crates);
    }
  }

  std::vector<Slow> sorted = slowest_;
  std::sort(sorted.begin(), sorted.end(),
            [](const Slow& a, const Slow& b) { return a.seconds > b.seconds; });
  sorted.resize(std::min(sorted.size(), slowest));
  if (sorted.empty()) return text;
  size_t width = 0;
  for (const auto& crate : sorted)
    width = std::max(width, crate.crate.size() + 1 + crate.version.size());
  text += "Slowest crates:\n";
  for (const auto& crate : sorted) {
    text += fmt::format("  {:<{}} {:>9.1f} s  {}\n", crate.crate + " " + crate.version, width,
                        crate.seconds, describe(crate.outcome));
  }
  return text;
}

void Progress::write_log_line(std::string_view line) {
  if (status_shown_) std::fputs(kClearLine.data(), options_.out);
  status_shown_ = false;
  std::fwrite(line.data(), 1, line.size(), options_.out);
  // The line pushed the status up and off; put it back at once, unthrottled.
  redraw(false);
  std::fflush(options_.out);
}

void Progress::redraw(bool throttled) {
  if (!options_.terminal || finished_) return;
  const auto now = options_.now();
  if (throttled && last_draw_ && now - *last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  std::string line = status(true);
  // Filling the last column makes some terminals wrap, and \r then returns to
  // the wrong row.
  const size_t columns = options_.columns > 0 ? options_.columns : terminal_columns(options_.out);
  truncate(line, columns - 1);
  std::fputs(kClearLine.data(), options_.out);
  std::fwrite(line.data(), 1, line.size(), options_.out);
  std::fflush(options_.out);
  status_shown_ = true;
}

void Progress::report_if_due() {
  if (options_.terminal) return;
  const auto now = options_.now();
  if (now - last_report_ < kReportInterval) return;
  last_report_ = now;
  message(spdlog::level::info, "progress: " + status(false));
}

std::string Progress::status(bool with_workers) const {
  const size_t finished = done();
  std::string line = fmt::format("{}/{}", finished, options_.total);
  if (options_.total > 0)
    line += fmt::format(
        " {:.1f}%", 100.0 * static_cast<double>(finished) / static_cast<double>(options_.total));

  const auto rate = rate_per_hour();
  std::string eta = "--";
  const size_t remaining = options_.total > finished ? options_.total - finished : 0;
  if (remaining == 0) {
    eta = "0s";
  } else if (rate) {
    eta = format_duration(
        seconds(static_cast<seconds::rep>(static_cast<double>(remaining) / *rate * 3600)));
  }
  line += fmt::format(" | {} | ETA {}", format_rate(rate), eta);

  std::string counts;
  for (const Outcome outcome : result::kOutcomes) {
    const size_t count = counts_.at(index(outcome));
    if (count > 0) counts += fmt::format(" {} {}", result::outcome_name(outcome), count);
  }
  if (requeues_ > 0) counts += fmt::format(" requeued {}", requeues_);
  if (!counts.empty()) line += " |" + counts;
  line += engines_status();

  std::vector<size_t> busy;
  for (size_t i = 0; i < running_.size(); ++i) {
    if (running_[i]) busy.push_back(i);
  }
  if (!with_workers) return line + fmt::format(" | {} running", busy.size());
  if (busy.empty()) return line;
  // Oldest first: a crate that hangs stays in view, and the order holds still.
  std::stable_sort(busy.begin(), busy.end(),
                   [&](size_t a, size_t b) { return running_[a]->since < running_[b]->since; });
  const auto now = options_.now();
  line += " |";
  for (const size_t worker : busy) {
    const Running& crate = *running_[worker];
    const auto elapsed = std::chrono::duration_cast<seconds>(now - crate.since);
    line += fmt::format(" w{} {} {} ({})", worker, crate.crate, crate.version,
                        format_duration(elapsed));
  }
  return line;
}

std::optional<double> Progress::rate_per_hour() const {
  const std::chrono::duration<double> elapsed = options_.now() - start_;
  if (done() == 0 || elapsed < seconds(1)) return std::nullopt;
  return static_cast<double>(done()) * 3600 / elapsed.count();
}

size_t Progress::done() const {
  size_t total = 0;
  for (const size_t count : counts_) total += count;
  return total;
}

void Progress::record_slow(std::string_view crate, std::string_view version, double seconds,
                           Outcome outcome) {
  const auto faster = [](const Slow& a, const Slow& b) { return a.seconds > b.seconds; };
  if (slowest_.size() == kSlowestKept) {
    if (seconds <= slowest_.front().seconds) return;
    std::pop_heap(slowest_.begin(), slowest_.end(), faster);
    slowest_.pop_back();
  }
  slowest_.push_back(Slow{std::string(crate), std::string(version), seconds, outcome});
  std::push_heap(slowest_.begin(), slowest_.end(), faster);
}

void Progress::stop_running(size_t worker) {
  if (worker < running_.size()) running_[worker].reset();
}

}  // namespace queue
