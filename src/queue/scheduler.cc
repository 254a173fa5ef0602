#include "queue/scheduler.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <system_error>

#include "render/page.h"
#include "result/crate_log.h"
#include "result/record.h"

namespace queue {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;
using SystemClock = std::chrono::system_clock;

/// A worker that cannot be started this many times in a row is given up.
constexpr int kStartAttempts = 3;
/// A crate whose worker dies this many times is an infrastructure error.
constexpr unsigned kAttempts = 2;

std::string folder_of(const catalogue::Crate& crate) { return crate.name + "-" + crate.version; }

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

}  // namespace

struct Scheduler::Pending {
  prepare::Prepared prepared;
  size_t order = 0;       // in the plan
  unsigned attempts = 0;  // workers that took it so far
  const catalogue::Crate& crate() const { return prepared.crate; }
};

struct Scheduler::InFlight {
  Pending pending;
  std::unique_ptr<result::CrateLog> log;
  SystemClock::time_point started_at;
  SteadyClock::time_point started;
  SteadyClock::time_point deadline;  // past it, the worker is taken for dead
  // What the worker said; settle() acts on it outside the worker's call.
  std::optional<agent::JobResult> result;
  std::optional<std::string> job_error;
  std::optional<std::string> death;
};

struct Scheduler::Slot {
  unsigned index = 0;
  std::unique_ptr<sandbox::JobWorker> worker;
  std::optional<InFlight> job;
  int failed_starts = 0;
};

Scheduler::Scheduler(SchedulerOptions options, const sandbox::Sandbox& sandbox,
                     prepare::Preparer& preparer, store::Store& store, Progress& progress)
    : options_(std::move(options)),
      sandbox_(sandbox),
      preparer_(preparer),
      store_(store),
      progress_(progress),
      writes_(std::make_unique<store::WriteQueue>(options_.store_writes)) {}

Scheduler::~Scheduler() = default;

SchedulerResult Scheduler::run(const std::vector<catalogue::Crate>& crates) {
  result_ = {};
  ready_.clear();
  prepared_ = 0;
  unprepared_.assign(crates.rbegin(), crates.rend());  // the first crate last
  plan_order_.clear();
  for (size_t i = 0; i < crates.size(); ++i) plan_order_.emplace(folder_of(crates[i]), i);
  slots_.clear();
  for (size_t i = 0; i < std::max<size_t>(options_.workers, 1); ++i) {
    slots_.push_back(std::make_unique<Slot>());
    slots_.back()->index = static_cast<unsigned>(i);
  }
  fs::create_directories(options_.inbox);

  try {
    auto last = SteadyClock::now();
    for (;;) {
      // Until nothing more finishes: a batch of broken crates frees room for
      // the next preparations, which must start before the loop can tell
      // whether anything is left to wait for.
      do {
        start_preparations();
      } while (collect_preparations() > 0);
      for (auto& slot : slots_) assign(*slot);
      const bool busy = preparer_.running() > 0 ||
                        std::any_of(slots_.begin(), slots_.end(),
                                    [](const auto& slot) { return slot->job.has_value(); });
      if (!busy) {
        if (unprepared_.empty() && ready_.empty()) break;
        // Every worker failed to start: nothing can run.
        throw sandbox::SandboxError("no worker could be started; see the messages above");
      }

      std::vector<pollfd> fds;
      if (options_.stop_fd >= 0) fds.push_back({options_.stop_fd, POLLIN, 0});
      for (const auto& slot : slots_) {
        if (!slot->worker) continue;
        for (const int fd : slot->worker->output_fds()) fds.push_back({fd, POLLIN, 0});
      }
      for (const int fd : preparer_.fds()) fds.push_back({fd, POLLIN, 0});
      if (poll(fds.data(), fds.size(), poll_timeout_ms()) < 0 && errno != EINTR) {
        throw std::system_error(errno, std::generic_category(), "poll");
      }
      const auto now = SteadyClock::now();
      count_waiting(std::chrono::duration<double>(now - last).count());
      last = now;
      if (options_.stop_fd >= 0 && fds[0].revents != 0) {
        stop_all(true);
        return result_;
      }
      for (auto& slot : slots_) {
        if (slot->worker) {
          slot->worker->read_available();
          for (const std::string& warning : slot->worker->take_warnings()) {
            progress_.message(spdlog::level::warn, slot->worker->name() + ": " + warning);
          }
        }
        settle(*slot);
      }
      progress_.tick();
    }
  } catch (...) {
    stop_all(true);
    throw;
  }
  stop_all(false);
  return result_;
}

bool Scheduler::ensure_worker(Slot& slot) {
  if (slot.worker && slot.worker->alive()) return true;
  if (slot.failed_starts >= kStartAttempts) return false;
  try {
    slot.worker = sandbox_.start_worker(slot.index);
    slot.failed_starts = 0;
    return true;
  } catch (const std::exception& e) {
    slot.worker.reset();
    ++slot.failed_starts;
    progress_.message(spdlog::level::err,
                      "cannot start worker " + std::to_string(slot.index) + ": " + e.what());
    return false;
  }
}

void Scheduler::start_preparations() {
  const size_t prefetch = options_.prefetch > 0 ? options_.prefetch : 2 * slots_.size();
  while (!unprepared_.empty() && preparer_.can_start() &&
         ready_.size() + preparer_.running() < prefetch) {
    preparer_.start(unprepared_.back());
    unprepared_.pop_back();
  }
}

size_t Scheduler::collect_preparations() {
  preparer_.read_available();
  std::vector<prepare::Prepared> finished = preparer_.take_finished();
  for (prepare::Prepared& prepared : finished) {
    PreparationStats& stats = result_.preparation;
    stats.seconds.push_back(prepared.result.seconds);
    stats.bytes_added += prepared.result.bytes_added;
    stats.downloads += prepared.result.downloads;
    ++prepared_;
    if (options_.upkeep && options_.upkeep_every > 0 && prepared_ % options_.upkeep_every == 0) {
      options_.upkeep(packages_in_use());
    }
    if (prepared.result.status != prepare::PreparationResult::Status::kReady) {
      record_unprepared(prepared);
      continue;
    }
    // Workers take the earliest crate of the plan among those prepared.
    const size_t order = plan_order_[folder_of(prepared.crate)];
    const auto later = std::find_if(ready_.begin(), ready_.end(),
                                    [order](const Pending& other) { return other.order > order; });
    ready_.insert(later, Pending{std::move(prepared), order, 0});
  }
  return finished.size();
}

std::set<std::string> Scheduler::packages_in_use() const {
  std::set<std::string> in_use;
  const auto add = [&in_use](const prepare::Prepared& prepared) {
    in_use.insert(prepared.crate.name + "-" + prepared.crate.version);
    in_use.insert(prepared.result.packages.begin(), prepared.result.packages.end());
  };
  for (const Pending& pending : ready_) add(pending.prepared);
  for (const auto& slot : slots_) {
    if (slot->job) add(slot->job->pending.prepared);
  }
  return in_use;
}

void Scheduler::count_waiting(double seconds) {
  // From when the first crates are prepared: before, every worker waits.
  if (prepared_ < slots_.size()) return;
  const bool more_to_come = !unprepared_.empty() || preparer_.running() > 0;
  for (const auto& slot : slots_) {
    result_.preparation.worker_seconds += seconds;
    if (!slot->job && ready_.empty() && more_to_come)
      result_.preparation.waiting_seconds += seconds;
  }
}

void Scheduler::assign(Slot& slot) {
  while (!slot.job && !ready_.empty() && ensure_worker(slot)) {
    Pending pending = std::move(ready_.front());
    ready_.erase(ready_.begin());
    start_job(slot, std::move(pending));
  }
}

void Scheduler::start_job(Slot& slot, Pending pending) {
  const catalogue::Crate crate = pending.crate();
  // Opened before the job is in flight: a store that fails here leaves
  // nothing to clean up.
  auto log =
      std::make_unique<result::CrateLog>(store_, options_.tool_name, crate.name, crate.version);

  agent::Job job =
      crate_job(options_.tool, crate.name, crate.version,
                {agent::Source::Kind::kDirectory, options_.inbox_mount + "/" + folder_of(crate)},
                options_.job_settings);
  if (!pending.prepared.result.cargo_config.empty()) {
    job.cargo_config = pending.prepared.result.cargo_config;
  }
  ++pending.attempts;
  InFlight& flight = slot.job.emplace();
  flight.pending = std::move(pending);
  flight.started_at = SystemClock::now();
  flight.started = SteadyClock::now();
  flight.deadline =
      flight.started + std::chrono::seconds(job.timeouts.wall_seconds) + options_.grace;
  flight.log = std::move(log);
  for (const std::string& text : flight.pending.prepared.result.notes) flight.log->note(text);
  progress_.started(slot.index, crate.name, crate.version);

  InFlight* in_flight = &flight;
  slot.worker->send(
      job, sandbox::JobEvents{
               .on_output = [in_flight](std::string_view bytes) { in_flight->log->feed(bytes); },
               .on_result = [in_flight](agent::JobResult r) { in_flight->result = std::move(r); },
               .on_job_error = [in_flight](std::string e) { in_flight->job_error = std::move(e); },
               .on_death = [in_flight](std::string why) { in_flight->death = std::move(why); },
           });
}

void Scheduler::settle(Slot& slot) {
  if (!slot.job) return;
  InFlight& flight = *slot.job;
  if (flight.result) {
    complete(slot, "");
  } else if (flight.job_error) {
    const std::string error = *flight.job_error;
    note(slot, "the job could not start: " + error);
    complete(slot, error);
  } else if (flight.death) {
    handle_death(slot, *flight.death);
  } else if (SteadyClock::now() > flight.deadline) {
    slot.worker->stop();  // its agent hung: no death event follows a stop
    handle_death(slot, "worker " + slot.worker->name() + " did not answer within its timeouts");
  }
}

/// Our own words in a crate's log, marked as such.
void Scheduler::note(Slot& slot, const std::string& text) { slot.job->log->note(text); }

void Scheduler::complete(Slot& slot, const std::string& error) {
  InFlight& flight = *slot.job;
  result::Record record{
      .tool = options_.tool_name,
      .toolchain = options_.job_settings.toolchain.value_or(options_.tool.toolchain),
      .identity = options_.identity,
      .crate = flight.pending.crate().name,
      .version = flight.pending.crate().version,
      .job = flight.result,
      .error = error,
      .started = flight.started_at,
      .wall_seconds = seconds_since(flight.started),
      .attempts = flight.pending.attempts,
      .log_bytes = flight.log->bytes(),
      .renderer_version = render::kRendererVersion,
  };
  if (flight.result) record.peak_memory_bytes = flight.result->peak_memory_bytes;
  result::CrateLog::Finished log = flight.log->finish(record.facts());
  record.apply(log.diagnosis);
  store_crate(std::move(log), record);
  ++result_.counts[record.outcome];
  progress_.finished(slot.index, record.crate, record.version, record.outcome, record.wall_seconds);
  prepare::remove_staged(flight.pending.prepared);
  slot.job.reset();
}

void Scheduler::record_unprepared(const prepare::Prepared& prepared) {
  const catalogue::Crate& crate = prepared.crate;
  const prepare::PreparationResult& preparation = prepared.result;
  result::CrateLog log(store_, options_.tool_name, crate.name, crate.version);
  // What the resolver said is the crate's log: its page shows why.
  log.feed(prepared.log);
  result::Record record{
      .tool = options_.tool_name,
      .toolchain = options_.job_settings.toolchain.value_or(options_.tool.toolchain),
      .identity = options_.identity,
      .crate = crate.name,
      .version = crate.version,
      .broken = preparation.broken,
      .started = SystemClock::now(),
      .wall_seconds = preparation.seconds,
      .attempts = 0,
      .renderer_version = render::kRendererVersion,
  };
  if (!preparation.broken) {
    record.error = preparation.error.empty() ? "the preparation failed" : preparation.error;
    if (prepared.log.find(record.error) == std::string::npos) log.note(record.error);
  }
  record.log_bytes = log.bytes();
  result::CrateLog::Finished finished = log.finish(record.facts());
  record.apply(finished.diagnosis);
  store_crate(std::move(finished), record);
  ++result_.counts[record.outcome];
  progress_.finished(Progress::kNoWorker, crate.name, crate.version, record.outcome,
                     record.wall_seconds);
}

void Scheduler::store_crate(result::CrateLog::Finished log, const result::Record& record) {
  // What an S3 writer may hold in memory until it is published: a part
  // each for the raw log and the page.
  constexpr uint64_t kMostHeld = uint64_t{16} << 20;
  const uint64_t held = std::min(kMostHeld, (log.raw ? log.raw->bytes_written() : 0) +
                                                (log.html ? log.html->bytes_written() : 0));
  auto writes = std::make_shared<result::CrateLog::Finished>(std::move(log));
  // The log and its page first: a record means everything is there.
  writes_->submit(
      [writes, &store = store_,
       key = result::result_key(options_.tool_name, record.crate, record.version),
       json = result::to_json(record)] {
        writes->publish();
        store.put(key, json, store::kJsonType);
      },
      held);
  result_.peak_queued_writes = std::max(result_.peak_queued_writes, writes_->pending());
}

void Scheduler::handle_death(Slot& slot, const std::string& why) {
  InFlight& flight = *slot.job;
  if (flight.pending.attempts < kAttempts) {
    progress_.requeued(slot.index, flight.pending.crate().name, flight.pending.crate().version,
                       why);
    flight.log->abort();
    ready_.insert(ready_.begin(), std::move(flight.pending));  // next to run
    slot.job.reset();
  } else {
    note(slot, "the worker died: " + why);
    complete(slot, "worker died " + std::to_string(kAttempts) + " times: " + why);
  }
  slot.worker.reset();  // a new one starts when the slot is next assigned
}

int Scheduler::poll_timeout_ms() const {
  // At least once a second for progress_.tick(), sooner for a deadline.
  auto timeout = std::chrono::milliseconds(1000);
  const auto now = SteadyClock::now();
  for (const auto& slot : slots_) {
    if (!slot->job) continue;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(slot->job->deadline - now);
    timeout = std::clamp(left, std::chrono::milliseconds(0), timeout);
  }
  return static_cast<int>(timeout.count());
}

void Scheduler::stop_all(bool interrupted) {
  result_.interrupted = interrupted;
  preparer_.stop_all();
  for (auto& slot : slots_) {
    if (slot->worker) slot->worker->stop();
    // Nothing half-written: the crate runs again next time.
    if (slot->job) {
      prepare::remove_staged(slot->job->pending.prepared);
      slot->job.reset();
    }
    slot->worker.reset();
  }
  for (const Pending& pending : ready_) prepare::remove_staged(pending.prepared);
  ready_.clear();
  try {
    sandbox_.remove_all();  // a container whose removal raced its start
  } catch (const std::exception& e) {
    progress_.message(spdlog::level::warn, e.what());
  }
  std::error_code ignored;
  fs::remove_all(options_.inbox, ignored);
  // Finished crates keep their records, also on a stop; after a store
  // failure the queue has dropped what it had not started.
  if (const size_t pending = writes_->pending(); pending > 0) {
    progress_.message(spdlog::level::info,
                      "storing the results of " + std::to_string(pending) + " finished crates");
  }
  const std::exception_ptr failure = writes_->finish();
  // Thrown unless stop_all() runs while another exception is on its way.
  if (failure && !std::current_exception()) std::rethrow_exception(failure);
}

}  // namespace queue
