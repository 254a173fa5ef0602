#include "queue/scheduler.h"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <iterator>
#include <optional>
#include <system_error>

#include "render/page.h"
#include "result/crate_log.h"
#include "result/record.h"
#include "sandbox/child_process.h"

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

struct Scheduler::EngineState {
  Engine engine;
  enum class State : uint8_t { kUp, kLost };
  State state = State::kUp;
  /// The probe running now, if any, and when it is given up.
  std::unique_ptr<sandbox::ChildProcess> probe;
  SteadyClock::time_point probe_deadline;
  std::string probe_output;
  /// While lost: when to ask again, and the wait after that.
  SteadyClock::time_point next_probe;
  std::chrono::milliseconds backoff{0};
  std::string lost_why;
  EngineStats stats;
};

struct Scheduler::Slot {
  size_t id = 0;       // across engines, for progress
  unsigned index = 0;  // within its engine, for start_worker
  EngineState* engine = nullptr;
  std::unique_ptr<sandbox::JobWorker> worker;
  std::optional<InFlight> job;
  int failed_starts = 0;
  /// The worker died (or hung) with the job: settled once the engine's
  /// probe tells whose fault it was.
  std::optional<std::string> lost_why;
};

Scheduler::Scheduler(SchedulerOptions options, std::vector<Engine> engines,
                     prepare::Preparer& preparer, store::Store& store, Progress& progress)
    : options_(std::move(options)),
      preparer_(preparer),
      store_(store),
      progress_(progress),
      writes_(std::make_unique<store::WriteQueue>(options_.store_writes)) {
  for (Engine& engine : engines) {
    auto state = std::make_unique<EngineState>();
    state->stats = {.name = engine.name, .workers = engine.workers};
    state->engine = std::move(engine);
    engines_.push_back(std::move(state));
  }
}

Scheduler::Scheduler(const SchedulerOptions& options, const sandbox::Sandbox& sandbox,
                     prepare::Preparer& preparer, store::Store& store, Progress& progress)
    : Scheduler(options,
                {Engine{.sandbox = &sandbox, .workers = std::max<size_t>(options.workers, 1)}},
                preparer, store, progress) {}

Scheduler::~Scheduler() = default;

SchedulerResult Scheduler::run(const std::vector<catalogue::Crate>& crates) {
  result_ = {};
  ready_.clear();
  prepared_ = 0;
  unprepared_.assign(crates.rbegin(), crates.rend());  // the first crate last
  plan_order_.clear();
  for (size_t i = 0; i < crates.size(); ++i) plan_order_.emplace(folder_of(crates[i]), i);
  slots_.clear();
  engines_reported_ = {};
  for (auto& engine : engines_) {
    engine->state = EngineState::State::kUp;
    engine->probe.reset();
    engine->backoff = options_.engine_retry;
    engine->stats.crates = 0;
    engine->stats.losses = 0;
    for (size_t i = 0; i < engine->engine.workers; ++i) {
      auto slot = std::make_unique<Slot>();
      slot->id = slots_.size();
      slot->index = static_cast<unsigned>(i);
      slot->engine = engine.get();
      slots_.push_back(std::move(slot));
    }
  }
  if (slots_.empty()) {
    if (crates.empty()) return result_;  // nothing to run, no engine needed
    throw sandbox::SandboxError("no engine has workers");
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
                                    [](const auto& slot) { return slot->job.has_value(); }) ||
                        std::any_of(engines_.begin(), engines_.end(),
                                    [](const auto& engine) { return engine->probe != nullptr; });
      if (!busy) {
        if (unprepared_.empty() && ready_.empty()) break;
        // Nothing runs: every engine is lost (wait for one), or every
        // worker failed to start on the engines there are.
        if (!waiting_for_engines()) {
          throw sandbox::SandboxError("no worker could be started; see the messages above");
        }
      }

      std::vector<pollfd> fds;
      if (options_.stop_fd >= 0) fds.push_back({options_.stop_fd, POLLIN, 0});
      // Each slot's fds are fds[first[i], first[i + 1]): after the poll only
      // the workers with something ready are read (500 workers would
      // otherwise cost 1,000 reads per wake-up).
      std::vector<size_t> first(slots_.size() + 1, fds.size());
      for (size_t i = 0; i < slots_.size(); ++i) {
        first[i] = fds.size();
        const auto& slot = slots_[i];
        if (!slot->worker) continue;
        for (const int fd : slot->worker->output_fds()) fds.push_back({fd, POLLIN, 0});
        // A job's attachment goes out as the worker takes it.
        if (const int fd = slot->worker->input_fd(); fd >= 0) fds.push_back({fd, POLLOUT, 0});
      }
      first[slots_.size()] = fds.size();
      for (const int fd : preparer_.fds()) fds.push_back({fd, POLLIN, 0});
      for (const auto& engine : engines_) {
        if (!engine->probe) continue;
        fds.push_back({engine->probe->stdout_fd(), POLLIN, 0});
        fds.push_back({engine->probe->stderr_fd(), POLLIN, 0});
      }
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
      for (size_t i = 0; i < slots_.size(); ++i) {
        Slot& slot = *slots_[i];
        const bool ready = std::any_of(fds.begin() + static_cast<ptrdiff_t>(first[i]),
                                       fds.begin() + static_cast<ptrdiff_t>(first[i + 1]),
                                       [](const pollfd& p) { return p.revents != 0; });
        if (slot.worker && ready) {
          if (slot.worker->input_fd() >= 0) slot.worker->write_available();
          slot.worker->read_available();
          for (const std::string& warning : slot.worker->take_warnings()) {
            progress_.message(spdlog::level::warn, slot.worker->name() + ": " + warning);
          }
        }
        settle(slot);
      }
      read_probes();
      report_engines();
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
  EngineState& engine = *slot.engine;
  // While its engine is lost or being asked, a slot takes nothing.
  if (engine.state != EngineState::State::kUp || engine.probe) return false;
  if (slot.failed_starts >= kStartAttempts) return false;
  try {
    slot.worker = engine.engine.sandbox->start_worker(slot.index);
    slot.failed_starts = 0;
    return true;
  } catch (const std::exception& e) {
    slot.worker.reset();
    ++slot.failed_starts;
    progress_.message(spdlog::level::err, "cannot start worker " + std::to_string(slot.index) +
                                              " on " + engine.engine.name + ": " + e.what());
    // Perhaps the engine itself is gone: then the start was not the
    // worker's failure, and the engine is retried with backoff.
    start_probe(engine);
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

  // A remote engine sees none of our folders: the crate's source and its
  // dependencies follow the job as a tar (prepare/bundle.h).
  const bool remote = slot.engine->engine.remote;
  const prepare::PreparationResult& prepared = pending.prepared.result;
  agent::Job job = crate_job(options_.tool, crate.name, crate.version,
                             remote ? agent::Source{agent::Source::Kind::kInline, ""}
                                    : agent::Source{agent::Source::Kind::kDirectory,
                                                    options_.inbox_mount + "/" + folder_of(crate)},
                             options_.job_settings);
  const std::string& cargo_config = remote ? prepared.inline_cargo_config : prepared.cargo_config;
  if (!cargo_config.empty()) job.cargo_config = cargo_config;
  const fs::path attachment = remote ? pending.prepared.bundle : fs::path();
  if (remote && attachment.empty()) {
    throw std::logic_error("crate " + folder_of(crate) + " has no bundle for engine " +
                           slot.engine->engine.name);
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
  progress_.started(slot.id, crate.name, crate.version);

  InFlight* in_flight = &flight;
  try {
    slot.worker->send(
        job,
        sandbox::JobEvents{
            .on_output = [in_flight](std::string_view bytes) { in_flight->log->feed(bytes); },
            .on_result = [in_flight](agent::JobResult r) { in_flight->result = std::move(r); },
            .on_job_error = [in_flight](std::string e) { in_flight->job_error = std::move(e); },
            .on_death = [in_flight](std::string why) { in_flight->death = std::move(why); },
        },
        attachment);
  } catch (const std::system_error& e) {
    // The crate's files cannot be read back: ours, not the crate's; the
    // worker stays idle for the next crate.
    const std::string error = std::string("cannot send the crate's files: ") + e.what();
    note(slot, error);
    complete(slot, error);
  }
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
  } else if (slot.lost_why) {
    // Waiting for the engine's probe: probe_finished() settles it.
  } else if (flight.death) {
    worker_lost(slot, *flight.death);
  } else if (SteadyClock::now() > flight.deadline) {
    slot.worker->stop();  // its agent hung: no death event follows a stop
    worker_lost(slot, "worker " + slot.worker->name() + " did not answer within its timeouts");
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
      .engine = slot.engine->engine.name,
      .log_bytes = flight.log->bytes(),
      .renderer_version = render::kRendererVersion,
  };
  if (flight.result) record.peak_memory_bytes = flight.result->peak_memory_bytes;
  result::CrateLog::Finished log = flight.log->finish(record.facts());
  record.apply(log.diagnosis);
  store_crate(std::move(log), record);
  ++result_.counts[record.outcome];
  ++slot.engine->stats.crates;
  progress_.finished(slot.id, record.crate, record.version, record.outcome, record.wall_seconds);
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

void Scheduler::worker_lost(Slot& slot, const std::string& why) {
  slot.lost_why = why;
  if (slot.worker) slot.worker->stop();
  start_probe(*slot.engine);
}

void Scheduler::start_probe(EngineState& engine) {
  if (engine.probe) return;
  engine.probe_output.clear();
  try {
    engine.probe = std::make_unique<sandbox::ChildProcess>(engine.engine.sandbox->probe_command());
    engine.probe->close_stdin();
    engine.probe_deadline = SteadyClock::now() + options_.probe_timeout;
  } catch (const std::exception& e) {
    engine.probe.reset();
    probe_finished(engine, false, e.what());
  }
}

void Scheduler::read_probes() {
  const auto now = SteadyClock::now();
  for (auto& owned : engines_) {
    EngineState& engine = *owned;
    if (!engine.probe && engine.state == EngineState::State::kLost && now >= engine.next_probe) {
      start_probe(engine);
    }
    if (!engine.probe) continue;
    std::array<char, 4096> buffer;
    for (const int fd : {engine.probe->stdout_fd(), engine.probe->stderr_fd()}) {
      for (;;) {
        const ssize_t n = read(fd, buffer.data(), buffer.size());
        if (n <= 0) break;
        if (engine.probe_output.size() < 4096) {
          engine.probe_output.append(buffer.data(), static_cast<size_t>(n));
        }
      }
    }
    if (const auto status = engine.probe->try_wait()) {
      engine.probe.reset();
      std::string why = engine.probe_output;
      const auto blank = [](char c) { return c == '\n' || c == '\r' || c == ' '; };
      while (!why.empty() && blank(why.back())) why.pop_back();
      while (!why.empty() && blank(why.front())) why.erase(0, 1);
      if (why.empty()) why = "the probe " + status->describe();
      probe_finished(engine, status->success(), why);
    } else if (now > engine.probe_deadline) {
      engine.probe->kill(SIGKILL);
      engine.probe->wait();
      engine.probe.reset();
      probe_finished(engine, false,
                     "no answer within " +
                         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                            options_.probe_timeout)
                                            .count()) +
                         " s");
    }
  }
}

void Scheduler::probe_finished(EngineState& engine, bool answered, const std::string& why) {
  if (!answered) {
    engine_lost(engine, why);
    return;
  }
  if (engine.state == EngineState::State::kLost) {
    engine.state = EngineState::State::kUp;
    engine.backoff = options_.engine_retry;
    progress_.message(spdlog::level::warn, "engine " + engine.engine.name + " is back");
  }
  // The engine answers: what died was the worker, and its crate is handled
  // as a worker death.
  for (auto& slot : slots_) {
    if (slot->engine != &engine) continue;
    if (slot->lost_why) {
      const std::string died = *std::exchange(slot->lost_why, std::nullopt);
      handle_death(*slot, died);
    }
  }
}

void Scheduler::engine_lost(EngineState& engine, const std::string& why) {
  const auto retry = std::chrono::duration_cast<std::chrono::seconds>(engine.backoff);
  const bool was_up = engine.state == EngineState::State::kUp;
  engine.state = EngineState::State::kLost;
  engine.lost_why = why;
  engine.next_probe = SteadyClock::now() + engine.backoff;
  engine.backoff = std::min(engine.backoff * 2, options_.engine_retry_max);
  if (!was_up) {
    progress_.message(spdlog::level::debug,
                      fmt::format("engine {} still lost ({}); retrying in {} s", engine.engine.name,
                                  why, retry.count()));
    return;
  }
  ++engine.stats.losses;
  std::vector<Pending> returned;
  for (auto& slot : slots_) {
    if (slot->engine != &engine) continue;
    slot->lost_why.reset();
    if (slot->worker) slot->worker->stop();
    slot->worker.reset();
    slot->failed_starts = 0;
    if (!slot->job) continue;
    // Not the crate's attempt.
    InFlight& flight = *slot->job;
    --flight.pending.attempts;
    progress_.requeued(slot->id, flight.pending.crate().name, flight.pending.crate().version,
                       "engine " + engine.engine.name + " lost");
    flight.log->abort();
    returned.push_back(std::move(flight.pending));
    slot->job.reset();
  }
  progress_.message(spdlog::level::err,
                    fmt::format("engine {} lost ({}); {} crates back in the queue; retrying "
                                "in {} s",
                                engine.engine.name, why, returned.size(), retry.count()));
  // Back to the front of the queue, in the plan's order among themselves.
  std::sort(returned.begin(), returned.end(),
            [](const Pending& a, const Pending& b) { return a.order < b.order; });
  ready_.insert(ready_.begin(), std::make_move_iterator(returned.begin()),
                std::make_move_iterator(returned.end()));
  if (every_engine_lost() && !options_.stop_without_engines) {
    progress_.message(spdlog::level::err,
                      "every engine is lost: waiting for one to answer again (Ctrl-C stops; "
                      "--stop-without-engines ends the run instead)");
  }
}

bool Scheduler::every_engine_lost() const {
  return std::all_of(engines_.begin(), engines_.end(),
                     [](const auto& engine) { return engine->state == EngineState::State::kLost; });
}

bool Scheduler::waiting_for_engines() {
  if (!every_engine_lost()) return false;
  if (options_.stop_without_engines) {
    throw sandbox::SandboxError("every engine is lost, and the run was told to stop then (last: " +
                                engines_.back()->lost_why + ")");
  }
  return true;
}

void Scheduler::report_engines(bool now) {
  // Progress shows them at most once a second: no need to count every
  // engine's busy workers on every wake-up of a loop of 500 workers.
  const auto time = SteadyClock::now();
  if (!now && time - engines_reported_ < std::chrono::seconds(1)) return;
  engines_reported_ = time;
  std::vector<EngineStatus> statuses;
  for (const auto& engine : engines_) {
    EngineStatus status{.name = engine->engine.name,
                        .workers = engine->engine.workers,
                        .crates = engine->stats.crates,
                        .lost = engine->state == EngineState::State::kLost};
    for (const auto& slot : slots_) {
      if (slot->engine == engine.get() && slot->job) ++status.busy;
    }
    statuses.push_back(std::move(status));
  }
  progress_.set_engines(std::move(statuses));
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
    progress_.requeued(slot.id, flight.pending.crate().name, flight.pending.crate().version, why);
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
  // At least once a second for progress_.tick(), sooner for a deadline or
  // a probe that is due.
  auto timeout = std::chrono::milliseconds(1000);
  const auto now = SteadyClock::now();
  const auto until = [&](SteadyClock::time_point when) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(when - now);
    timeout = std::clamp(left, std::chrono::milliseconds(0), timeout);
  };
  for (const auto& slot : slots_) {
    if (slot->job && !slot->lost_why) until(slot->job->deadline);
  }
  for (const auto& engine : engines_) {
    if (engine->probe)
      until(engine->probe_deadline);
    else if (engine->state == EngineState::State::kLost)
      until(engine->next_probe);
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
    slot->lost_why.reset();
  }
  for (const Pending& pending : ready_) prepare::remove_staged(pending.prepared);
  ready_.clear();
  report_engines(true);  // the summary's counts, final
  result_.engines.clear();
  for (auto& engine : engines_) {
    if (engine->probe) {
      engine->probe->kill(SIGKILL);
      engine->probe->wait();
      engine->probe.reset();
    }
    result_.engines.push_back(engine->stats);
    try {
      // Containers whose removal raced their start, on every engine; a
      // lost one may still have some, which a later run removes.
      engine->engine.sandbox->remove_all();
    } catch (const std::exception& e) {
      progress_.message(spdlog::level::warn, engine->engine.name + ": " + e.what());
    }
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
