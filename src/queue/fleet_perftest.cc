// bench/fleet/run's driver: the real Scheduler, store and sync over
// stand-in workers (queue/simulated_sandbox.h).
//
//   fleet_perftest run --store URL --crates N --workers W --corpus INDEX
//                      --speedup F --writers T --waits FILE
//   fleet_perftest sync --store URL [--archives 0] [--readers R] [--again 1]
//
// `run` runs N crates (sim-NNNNNNN 1.0.0) of the tool `miri` from
// tools.toml; crates are ready at once (a Preparer stand-in, as the
// scheduler's tests have), so only the workers and the store pace the run.
// --writers is store::WriteQueueOptions::threads (0: blocking writes). It
// prints one line of `key=value`: crates, wall and CPU seconds of this
// process (the server; the stand-ins are other processes), its peak RSS.
// `sync` runs publish::sync_tool over the tool's results and prints its
// counts. --readers is store::ReadAheadOptions::threads (0: every record
// and log read one request at a time, as sync read before); --again 1
// removes the last sync's state first, so that the sync is a first one
// again (every record read, results.json and the archives written).

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "publish/publish.h"
#include "publish/publish_state.h"
#include "queue/progress.h"
#include "queue/ready_preparer.h"
#include "queue/scheduler.h"
#include "queue/simulated_sandbox.h"
#include "store/store.h"
#include "tools/tool.h"

namespace {

namespace fs = std::filesystem;

double cpu_seconds(const rusage& usage) {
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

[[noreturn]] void usage() {
  std::cerr << "usage: fleet_perftest run --store URL --crates N --workers W --corpus INDEX "
               "--speedup F --writers T --waits FILE\n"
               "       fleet_perftest sync --store URL [--archives 0] [--readers R] [--again 1]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  const std::string mode = argv[1];
  std::map<std::string, std::string> args;
  for (int i = 2; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (!args.contains("--store")) usage();
  std::unique_ptr<store::Store> store = store::open_store(args["--store"]);

  if (mode == "sync") {
    if (args["--again"] == "1") store->remove(publish::state_key("miri"));
    publish::SyncOptions options{.tool = "miri", .archives = args["--archives"] != "0"};
    if (args.contains("--readers")) options.read_ahead.threads = std::stoul(args["--readers"]);
    const auto start = std::chrono::steady_clock::now();
    const publish::SyncStats stats = publish::sync_tool(*store, options, {});
    std::printf("sync_seconds=%.2f results=%zu rendered=%zu\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                stats.results, stats.rendered);
    return 0;
  }
  if (mode != "run") usage();
  for (const char* required : {"--crates", "--workers", "--corpus", "--speedup", "--writers"}) {
    if (!args.contains(required)) usage();
  }
  const size_t crates = std::stoul(args["--crates"]);
  const size_t workers = std::stoul(args["--workers"]);

  const tools::Tool tool =
      tools::ToolSet::load(fs::path(CAH_SOURCE_DIR) / "tools.toml").get("miri");
  queue::SimulatedSandbox sandbox({
      .agent = CAH_STANDIN_AGENT,
      .corpus = args["--corpus"],
      .speedup = std::stod(args["--speedup"]),
      .waits = args["--waits"],
  });
  queue::ReadyPreparer preparer;
  std::vector<catalogue::Crate> plan(crates);
  for (size_t i = 0; i < crates; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "sim-%07zu", i);
    plan[i].name = name;
    plan[i].version = "1.0.0";
  }
  FILE* quiet = std::fopen("/dev/null", "w");
  queue::Progress progress({.out = quiet, .workers = workers, .total = crates});
  queue::SchedulerOptions options{
      .tool_name = "miri",
      .tool = tool,
      .workers = workers,
      .inbox = fs::temp_directory_path() / ("cah-fleet-inbox-" + std::to_string(getpid())),
  };
  options.store_writes.threads = std::stoul(args["--writers"]);
  queue::Scheduler scheduler(options, sandbox, preparer, *store, progress);

  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const auto start = std::chrono::steady_clock::now();
  const queue::SchedulerResult result = scheduler.run(plan);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  size_t done = 0;
  for (const auto& [outcome, count] : result.counts) done += count;
  const double cpu = cpu_seconds(after) - cpu_seconds(before);
  std::printf(
      "crates=%zu wall_s=%.2f crates_per_s=%.1f cpu_s=%.2f cpu_ms_per_crate=%.3f "
      "peak_rss_mib=%.1f peak_queued_writes=%zu\n",
      done, wall, static_cast<double>(done) / wall, cpu, 1000 * cpu / static_cast<double>(done),
      static_cast<double>(after.ru_maxrss) / 1024, result.peak_queued_writes);
  std::fclose(quiet);
  return done == crates ? 0 : 1;
}
