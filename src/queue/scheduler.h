#pragma once
// The server's loop: one poll over every worker's pipes and every running
// preparation (no thread per worker), one crate at a time to each idle
// worker. Crates are prepared ahead of the workers (prepare/preparer.h) in
// the plan's order, and workers take the earliest prepared crate, so a slow
// download delays only its own crate; one that is broken or cannot be
// prepared is recorded without reaching a worker.
// Workers live on one or more Docker engines (Engine). Each crate's output
// streams to the store as it comes, raw and rendered, and its result record
// is stored last; those last requests (publishing the log and page, putting
// the record) run on a store::WriteQueue's threads so that a slow store
// does not stall the loop. A worker that dies is replaced and its crate
// re-queued once; a second death records an infrastructure error with the
// log so far. Whether a death is the worker's or its engine's is asked of
// the engine (a probe run without blocking the loop): an engine that does
// not answer is lost, every crate it had goes back to the queue without
// counting as an attempt, and it is probed again with backoff until it
// rejoins. A stop request (Ctrl-C) lets the queued writes of finished
// crates end and leaves nothing half-written: crates in flight leave no
// objects and run again next time; a store failure drops the queued writes.

#include <chrono>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "catalogue/crate.h"
#include "prepare/preparer.h"
#include "queue/crate_job.h"
#include "queue/progress.h"
#include "result/crate_log.h"
#include "result/outcome.h"
#include "result/record.h"
#include "sandbox/sandbox.h"
#include "store/store.h"
#include "store/write_queue.h"
#include "tools/tool.h"

namespace queue {

/// One Docker engine's share of a run.
struct Engine {
  /// For records, messages and the status line: "local", a URL, a context.
  std::string name = "local";
  const sandbox::Sandbox* sandbox = nullptr;
  size_t workers = 1;
  /// Its jobs carry each crate's source and dependencies through the
  /// protocol: no folder of the server is mounted there.
  bool remote = false;
};

struct SchedulerOptions {
  /// The name results are stored under (T/raw, T/logs, T/results).
  std::string tool_name;
  tools::Tool tool;
  /// Stamped on every record (queue/run_identity.h).
  result::RunIdentity identity;
  CrateJobSettings job_settings;
  size_t workers = 1;
  /// A host folder mounted read-only at `inbox_mount` in every worker:
  /// preparation stages each crate's source there.
  std::filesystem::path inbox;
  std::string inbox_mount = "/crates";
  /// Readable once the run must stop (a self-pipe written by a signal
  /// handler); -1 for none.
  int stop_fd = -1;
  /// A busy worker that says nothing for this long beyond its job's own
  /// timeouts is taken for dead (its agent hung).
  std::chrono::milliseconds grace{std::chrono::seconds(300)};
  /// Crates prepared or being prepared ahead of the workers; 0: twice the
  /// workers.
  size_t prefetch = 0;
  /// Called after every `upkeep_every` preparations with the packages
  /// (NAME-VERSION) that prepared and running crates use: the package
  /// cache is bounded there without removing what a build needs.
  std::function<void(const std::set<std::string>& in_use)> upkeep;
  size_t upkeep_every = 100;
  /// A lost engine is probed again after this, doubling up to the max.
  std::chrono::milliseconds engine_retry{std::chrono::seconds(5)};
  std::chrono::milliseconds engine_retry_max{std::chrono::minutes(5)};
  /// A probe that has not answered by then failed (an ssh that hangs).
  std::chrono::milliseconds probe_timeout{std::chrono::seconds(30)};
  /// When every engine is lost: stop the run (true) or wait for one.
  bool stop_without_engines = false;
  /// How a finished crate's log, page and record reach the store: off the
  /// loop, on these threads (threads = 0: in the loop, blocking it).
  store::WriteQueueOptions store_writes;
};

/// How preparation kept up, for the summary and bench/prepare.
struct PreparationStats {
  std::vector<double> seconds;  // one per crate prepared
  uint64_t bytes_added = 0;
  size_t downloads = 0;
  /// Worker time once the first `workers` crates were prepared, and the
  /// part of it that idle workers spent waiting for a preparation.
  double worker_seconds = 0;
  double waiting_seconds = 0;
};

/// How each engine did, for the summary.
struct EngineStats {
  std::string name;
  size_t workers = 0;
  size_t crates = 0;  // records of crates that ran there
  size_t losses = 0;  // times it was lost
};

struct SchedulerResult {
  std::map<result::Outcome, size_t> counts;
  bool interrupted = false;
  PreparationStats preparation;
  std::vector<EngineStats> engines;
  /// The most crates whose store writes were queued or running at once.
  size_t peak_queued_writes = 0;
};

class Scheduler {
 public:
  Scheduler(SchedulerOptions options, std::vector<Engine> engines, prepare::Preparer& preparer,
            store::Store& store, Progress& progress);
  /// One engine, "local", with options.workers workers.
  Scheduler(const SchedulerOptions& options, const sandbox::Sandbox& sandbox,
            prepare::Preparer& preparer, store::Store& store, Progress& progress);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Runs every crate. Throws store::StoreError if the store fails (after
  /// stopping every worker), sandbox::SandboxError if workers cannot be
  /// started at all, or every engine is lost and options say to stop.
  SchedulerResult run(const std::vector<catalogue::Crate>& crates);

 private:
  struct Pending;
  struct InFlight;
  struct Slot;
  struct EngineState;

  void start_preparations();
  /// Takes finished preparations; returns how many there were.
  size_t collect_preparations();
  void count_waiting(double seconds);
  std::set<std::string> packages_in_use() const;
  void assign(Slot& slot);
  bool ensure_worker(Slot& slot);
  void start_job(Slot& slot, Pending pending);
  void settle(Slot& slot);
  void complete(Slot& slot, const std::string& error);
  void record_unprepared(const prepare::Prepared& prepared);
  /// Queues the crate's writes: its raw log, its page, then its record.
  void store_crate(result::CrateLog::Finished log, const result::Record& record);
  void handle_death(Slot& slot, const std::string& why);
  /// A worker died or hung: its engine is asked whether it is still there.
  void worker_lost(Slot& slot, const std::string& why);
  void start_probe(EngineState& engine);
  void read_probes();
  void probe_finished(EngineState& engine, bool answered, const std::string& why);
  void engine_lost(EngineState& engine, const std::string& why);
  bool every_engine_lost() const;
  /// Every engine lost and none being asked: wait, or stop if told to.
  bool waiting_for_engines();
  /// Each engine's state to progress, at most once a second unless `now`.
  void report_engines(bool now = false);
  void note(Slot& slot, const std::string& text);
  void stop_all(bool interrupted);
  int poll_timeout_ms() const;

  SchedulerOptions options_;
  prepare::Preparer& preparer_;
  store::Store& store_;
  Progress& progress_;
  std::vector<std::unique_ptr<EngineState>> engines_;
  std::chrono::steady_clock::time_point engines_reported_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<catalogue::Crate> unprepared_;  // taken from the back
  std::vector<Pending> ready_;                // prepared, the earliest in the plan first
  std::map<std::string, size_t> plan_order_;  // NAME-VERSION -> place in the plan
  size_t prepared_ = 0;
  SchedulerResult result_;
  std::unique_ptr<store::WriteQueue> writes_;
};

}  // namespace queue
