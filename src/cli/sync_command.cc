// `crater-at-home sync`: brings a tool's pages in the store up to date:
// the catalogue snapshot when it is older than 24 h, pages of logs whose raw
// bytes or renderer changed, diagnoses whose rules changed, then
// results.json, the site and the archives. Only what changed is redone.

#include <chrono>
#include <cstdio>
#include <memory>

#include "catalogue/snapshot.h"
#include "cli/catalogue_options.h"
#include "cli/commands.h"
#include "publish/publish.h"
#include "store/store.h"

namespace cli {
namespace {

struct SyncOptions {
  CatalogueSource source;
  std::string tool;
  std::string name;
  bool force = false;
  bool no_archives = false;
};

/// The snapshot, made again first if it is older than 24 h and a source
/// can make it; a failure to refresh is a warning, not the end of the sync.
std::map<std::string, uint64_t, std::less<>> downloads(store::Store& store,
                                                       const CatalogueSource& source) {
  const auto age = catalogue::snapshot_age(store);
  if (!age || *age > catalogue::kSnapshotMaxAge) {
    try {
      std::vector<std::string> notes;
      const catalogue::Catalogue fresh =
          source.local_registry() || !source.db_dump.empty()
              ? source.load({}, notes)
              : source.load_db_dump(std::string(kCratesIoDbDump), {}, notes);
      catalogue::write_snapshot(store, fresh);
      std::fprintf(stderr, "crater-at-home: catalogue snapshot refreshed (%zu crates)\n",
                   fresh.size());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "crater-at-home: warning: the catalogue snapshot is %s: %s\n",
                   age ? "older than 24 h and cannot be refreshed" : "missing", e.what());
    }
  }
  std::map<std::string, uint64_t, std::less<>> out;
  if (const auto snapshot = catalogue::read_snapshot(store)) {
    for (const catalogue::Crate& crate : snapshot->crates()) out[crate.name] = crate.downloads;
  }
  return out;
}

int sync_store(const SyncOptions& options) {
  auto store = store::open_store(options.source.store_url());
  const std::string& run_name = options.name.empty() ? options.tool : options.name;
  const auto started = std::chrono::steady_clock::now();
  const publish::SyncStats stats = publish::sync_tool(
      *store, {.tool = run_name, .force = options.force, .archives = !options.no_archives},
      downloads(*store, options.source));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "%s: %zu results, %zu unchanged, %zu rendered, %zu diagnosed%s in %.1f s; site at %s/%s/\n",
      run_name.c_str(), stats.results, stats.unchanged, stats.rendered, stats.diagnosed,
      stats.archives_written ? ", archives written" : "", seconds, store->url().c_str(),
      run_name.c_str());
  if (stats.missing_raw > 0) {
    std::fprintf(stderr, "crater-at-home: warning: %zu results have no raw log\n",
                 stats.missing_raw);
  }
  return 0;
}

}  // namespace

void add_sync_command(CLI::App& app, int& exit_status) {
  auto* command = app.add_subcommand(
      "sync", "Bring a tool's pages, diagnoses, results.json and archives up to date");
  auto options = std::make_shared<SyncOptions>();
  command->add_option("--tool", options->tool, "The tool whose results to publish");
  command->add_option("--name", options->name,
                      "The run's name, if `run --name` gave one (default: the tool's)");
  options->source.add_options(*command);
  command->add_flag("--force", options->force, "Render and diagnose every log again");
  command->add_flag("--no-archives", options->no_archives,
                    "Do not write raw.tar.xz and html.tar.xz");
  command->callback([options, &exit_status] {
    if (options->tool.empty() && options->name.empty()) {
      throw CLI::RequiredError("--tool or --name");
    }
    exit_status = sync_store(*options);
  });
}

}  // namespace cli
