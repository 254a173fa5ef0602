#pragma once
// The server's loop: one poll over every worker's pipes (no thread per
// worker), one crate at a time to each idle worker in the plan's order.
// Each crate's output streams to the store as it comes, raw and rendered,
// and its result record is stored last. A worker that dies is replaced and
// its crate re-queued once; a second death records an infrastructure error
// with the log so far. A stop request (Ctrl-C) ends the run with nothing
// half-written: crates in flight leave no objects and run again next time.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "catalogue/crate.h"
#include "queue/crate_job.h"
#include "queue/progress.h"
#include "registry/registry.h"
#include "result/outcome.h"
#include "sandbox/sandbox.h"
#include "store/store.h"
#include "tools/tool.h"

namespace queue {

struct SchedulerOptions {
  /// The name results are stored under (T/raw, T/logs, T/results).
  std::string tool_name;
  tools::Tool tool;
  CrateJobSettings job_settings;
  size_t workers = 1;
  /// A host folder mounted read-only at `inbox_mount` in every worker:
  /// each crate's source is put there before its job.
  std::filesystem::path inbox;
  std::string inbox_mount = "/crates";
  /// Readable once the run must stop (a self-pipe written by a signal
  /// handler); -1 for none.
  int stop_fd = -1;
  /// A busy worker that says nothing for this long beyond its job's own
  /// timeouts is taken for dead (its agent hung).
  std::chrono::milliseconds grace{std::chrono::seconds(300)};
};

struct SchedulerResult {
  std::map<result::Outcome, size_t> counts;
  bool interrupted = false;
};

class Scheduler {
 public:
  Scheduler(SchedulerOptions options, const sandbox::Sandbox& sandbox, registry::Registry& registry,
            store::Store& store, Progress& progress);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Runs every crate. Throws store::StoreError if the store fails (after
  /// stopping every worker), sandbox::SandboxError if workers cannot be
  /// started at all.
  SchedulerResult run(const std::vector<catalogue::Crate>& crates);

 private:
  struct Pending;
  struct InFlight;
  struct Slot;

  void assign(Slot& slot);
  bool ensure_worker(Slot& slot);
  void start_job(Slot& slot, Pending pending);
  void settle(Slot& slot);
  void complete(Slot& slot, const std::string& error);
  void record_without_job(Slot& slot, const Pending& pending, const std::string& error);
  void handle_death(Slot& slot, const std::string& why);
  void note(Slot& slot, const std::string& text);
  void stop_all(bool interrupted);
  int poll_timeout_ms() const;

  SchedulerOptions options_;
  const sandbox::Sandbox& sandbox_;
  registry::Registry& registry_;
  store::Store& store_;
  Progress& progress_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Pending> queue_;  // taken from the back
  SchedulerResult result_;
};

}  // namespace queue
