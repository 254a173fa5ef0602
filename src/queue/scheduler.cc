#include "queue/scheduler.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <system_error>

#include "render/page.h"

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
  catalogue::Crate crate;
  unsigned attempts = 0;  // workers that took it so far
};

struct Scheduler::InFlight {
  Pending pending;
  std::unique_ptr<store::ObjectWriter> raw;
  std::unique_ptr<store::ObjectWriter> html;
  std::unique_ptr<render::Page> page;
  diagnosis::Diagnoser diagnoser;
  SystemClock::time_point started_at;
  SteadyClock::time_point started;
  SteadyClock::time_point deadline;  // past it, the worker is taken for dead
  fs::path staged;
  // What the worker said; settle() acts on it outside the worker's call.
  std::optional<agent::JobResult> result;
  std::optional<std::string> job_error;
  std::optional<std::string> death;
};

struct Scheduler::Slot {
  unsigned index = 0;
  std::unique_ptr<sandbox::Worker> worker;
  std::optional<InFlight> job;
  int failed_starts = 0;
};

Scheduler::Scheduler(SchedulerOptions options, const sandbox::DockerSandbox& sandbox,
                     registry::Registry& registry, store::Store& store, Progress& progress)
    : options_(std::move(options)),
      sandbox_(sandbox),
      registry_(registry),
      store_(store),
      progress_(progress) {}

Scheduler::~Scheduler() = default;

SchedulerResult Scheduler::run(const std::vector<catalogue::Crate>& crates) {
  result_ = {};
  queue_.clear();
  // Taken from the back: the first crate goes last.
  for (size_t i = crates.size(); i-- > 0;) queue_.push_back({crates[i], 0});
  slots_.clear();
  for (size_t i = 0; i < std::max<size_t>(options_.workers, 1); ++i) {
    slots_.push_back(std::make_unique<Slot>());
    slots_.back()->index = static_cast<unsigned>(i);
  }
  fs::create_directories(options_.inbox);

  try {
    for (;;) {
      for (auto& slot : slots_) assign(*slot);
      const bool busy = std::any_of(slots_.begin(), slots_.end(),
                                    [](const auto& slot) { return slot->job.has_value(); });
      if (!busy) {
        if (queue_.empty()) break;
        // Every worker failed to start: nothing can run.
        throw sandbox::SandboxError("no worker could be started; see the messages above");
      }

      std::vector<pollfd> fds;
      if (options_.stop_fd >= 0) fds.push_back({options_.stop_fd, POLLIN, 0});
      for (const auto& slot : slots_) {
        if (!slot->worker) continue;
        for (const int fd : slot->worker->output_fds()) fds.push_back({fd, POLLIN, 0});
      }
      if (poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) {
        throw std::system_error(errno, std::generic_category(), "poll");
      }
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
    slot.worker = sandbox_.start(slot.index);
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

void Scheduler::assign(Slot& slot) {
  while (!slot.job && !queue_.empty() && ensure_worker(slot)) {
    Pending pending = std::move(queue_.back());
    queue_.pop_back();
    start_job(slot, std::move(pending));
  }
}

void Scheduler::start_job(Slot& slot, Pending pending) {
  const catalogue::Crate& crate = pending.crate;
  const fs::path staged = options_.inbox / folder_of(crate);
  std::error_code ignored;
  fs::remove_all(staged, ignored);
  try {
    registry_.fetch(crate, staged);
  } catch (const registry::FetchError& e) {
    record_without_job(pending, e.what());
    return;
  }

  const agent::Job job =
      crate_job(options_.tool, crate.name, crate.version,
                {agent::Source::Kind::kDirectory, options_.inbox_mount + "/" + folder_of(crate)},
                options_.job_settings);
  ++pending.attempts;
  InFlight& flight = slot.job.emplace();
  flight.pending = std::move(pending);
  flight.staged = staged;
  flight.started_at = SystemClock::now();
  flight.started = SteadyClock::now();
  flight.deadline =
      flight.started + std::chrono::seconds(job.timeouts.wall_seconds) + options_.grace;
  const std::string& name = flight.pending.crate.name;
  const std::string& version = flight.pending.crate.version;
  flight.raw = store_.open_writer(raw_key(options_.tool_name, name, version), store::kRawLogType);
  flight.html = store_.open_writer(log_key(options_.tool_name, name, version), store::kHtmlType);
  store::ObjectWriter* html = flight.html.get();
  flight.page =
      std::make_unique<render::Page>(name + " " + version + ": " + options_.tool_name,
                                     [html](std::string_view bytes) { html->write(bytes); });
  progress_.started(slot.index, name, version);

  InFlight* in_flight = &flight;
  slot.worker->send(
      job, sandbox::JobEvents{
               .on_output =
                   [in_flight](std::string_view bytes) {
                     in_flight->raw->write(bytes);
                     in_flight->page->feed(bytes);
                     in_flight->diagnoser.feed(bytes);
                   },
               .on_result = [in_flight](agent::JobResult r) { in_flight->result = std::move(r); },
               .on_job_error = [in_flight](std::string e) { in_flight->job_error = std::move(e); },
               .on_death = [in_flight](std::string why) { in_flight->death = std::move(why); },
           });
}

void Scheduler::settle(Slot& slot) {
  if (!slot.job) return;
  InFlight& flight = *slot.job;
  if (flight.result) {
    complete(slot, classify(*flight.result), "");
  } else if (flight.job_error) {
    const std::string error = *flight.job_error;
    note(slot, "the job could not start: " + error);
    complete(slot, Outcome::kError, error);
  } else if (flight.death) {
    handle_death(slot, *flight.death);
  } else if (SteadyClock::now() > flight.deadline) {
    slot.worker->stop();  // its agent hung: no death event follows a stop
    handle_death(slot, "worker " + slot.worker->name() + " did not answer within its timeouts");
  }
}

/// Our own words in a crate's log, marked as such.
void Scheduler::note(Slot& slot, const std::string& text) {
  const std::string line = "\r\n\x1b[1mcrater-at-home: " + text + "\x1b[0m\r\n";
  slot.job->raw->write(line);
  slot.job->page->feed(line);
  slot.job->diagnoser.feed(line);
}

void Scheduler::complete(Slot& slot, Outcome outcome, const std::string& error) {
  InFlight& flight = *slot.job;
  flight.page->finish();
  ResultRecord record{
      .tool = options_.tool_name,
      .toolchain = options_.job_settings.toolchain.value_or(options_.tool.toolchain),
      .crate = flight.pending.crate.name,
      .version = flight.pending.crate.version,
      .outcome = outcome,
      .error = error,
      .started = flight.started_at,
      .wall_seconds = seconds_since(flight.started),
      .job = flight.result,
      .attempts = flight.pending.attempts,
      .log_bytes = flight.raw->bytes_written(),
  };
  if (flight.result) record.peak_memory_bytes = flight.result->peak_memory_bytes;
  record.renderer_version = render::kRendererVersion;
  record.diagnosis_json =
      diagnosis::to_json(flight.diagnoser.finish(diagnosis_facts(record))).dump();
  record.diagnosis_version = diagnosis::kDiagnosisVersion;
  // The log and its page first: a record means everything is there.
  flight.raw->commit();
  flight.html->commit();
  store_.put(result_key(options_.tool_name, record.crate, record.version), to_json(record),
             store::kJsonType);
  ++result_.counts[outcome];
  progress_.finished(slot.index, record.crate, record.version, outcome, record.wall_seconds);
  std::error_code ignored;
  fs::remove_all(flight.staged, ignored);
  slot.job.reset();
}

void Scheduler::record_without_job(const Pending& pending, const std::string& error) {
  const catalogue::Crate& crate = pending.crate;
  const std::string log = "\x1b[1mcrater-at-home: " + error + "\x1b[0m\r\n";
  std::string html;
  render::Page page(log_title(options_.tool_name, crate.name, crate.version),
                    [&html](std::string_view bytes) { html += bytes; });
  page.feed(log);
  page.finish();
  store_.put(raw_key(options_.tool_name, crate.name, crate.version), log, store::kRawLogType);
  store_.put(log_key(options_.tool_name, crate.name, crate.version), html, store::kHtmlType);
  ResultRecord record{
      .tool = options_.tool_name,
      .toolchain = options_.job_settings.toolchain.value_or(options_.tool.toolchain),
      .crate = crate.name,
      .version = crate.version,
      .outcome = Outcome::kError,
      .error = error,
      .started = SystemClock::now(),
      .attempts = pending.attempts,
      .log_bytes = log.size(),
      .renderer_version = render::kRendererVersion,
  };
  record.diagnosis_json =
      diagnosis::to_json(diagnosis::diagnose(log, diagnosis_facts(record))).dump();
  record.diagnosis_version = diagnosis::kDiagnosisVersion;
  store_.put(result_key(options_.tool_name, crate.name, crate.version), to_json(record),
             store::kJsonType);
  ++result_.counts[Outcome::kError];
  progress_.finished(0, crate.name, crate.version, Outcome::kError, 0);
}

void Scheduler::handle_death(Slot& slot, const std::string& why) {
  InFlight& flight = *slot.job;
  if (flight.pending.attempts < kAttempts) {
    progress_.requeued(slot.index, flight.pending.crate.name, flight.pending.crate.version, why);
    flight.raw->abort();
    flight.html->abort();
    std::error_code ignored;
    fs::remove_all(flight.staged, ignored);
    queue_.push_back(std::move(flight.pending));  // next to run
    slot.job.reset();
  } else {
    note(slot, "the worker died: " + why);
    complete(slot, Outcome::kError, "worker died " + std::to_string(kAttempts) + " times: " + why);
  }
  slot.worker.reset();  // a new one starts when the slot is next assigned
}

void Scheduler::stop_all(bool interrupted) {
  result_.interrupted = interrupted;
  for (auto& slot : slots_) {
    if (slot->worker) slot->worker->stop();
    if (slot->job) {
      // Nothing half-written: the crate runs again next time.
      slot->job->raw->abort();
      slot->job->html->abort();
      slot->job.reset();
    }
    slot->worker.reset();
  }
  try {
    sandbox_.remove_all();  // a container whose removal raced its start
  } catch (const std::exception& e) {
    progress_.message(spdlog::level::warn, e.what());
  }
  std::error_code ignored;
  fs::remove_all(options_.inbox, ignored);
}

}  // namespace queue
