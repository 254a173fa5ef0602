// `crater-at-home sync`: brings a tool's pages in the store up to date:
// the catalogue snapshot when it is older than 24 h, pages of logs whose raw
// bytes or renderer changed, diagnoses whose rules changed, then
// results.json, the site and the archives. Only what changed is redone. An
// object that cannot be read is skipped with a warning naming it, and the
// rest is published (exit 3 then, see docs/options.md).

#include <chrono>
#include <cstdio>
#include <memory>

#include "catalogue/snapshot.h"
#include "cli/catalogue_options.h"
#include "cli/commands.h"
#include "cli/run_names.h"
#include "publish/publish.h"
#include "store/store.h"

namespace cli {
namespace {

struct SyncOptions {
  CatalogueSource source;
  std::string tool;
  std::string name;
  std::string tools_file;
  bool force = false;
  bool no_archives = false;
};

struct Downloads {
  std::map<std::string, uint64_t, std::less<>> by_crate;
  /// The snapshot's objects that could not be read (and not made again).
  std::vector<publish::Skipped> skipped;
};

/// The stored snapshot; one that cannot be read counts as missing.
std::optional<catalogue::Catalogue> stored_snapshot(store::Store& store,
                                                    std::optional<publish::Skipped>& problem) {
  try {
    return catalogue::read_snapshot(store);
  } catch (const catalogue::SnapshotError& e) {
    problem = publish::Skipped{e.key(), e.what()};
    return std::nullopt;
  }
}

/// The snapshot, made again first if it is older than 24 h, missing or
/// unreadable and a source can make it; a failure to refresh is a warning,
/// not the end of the sync.
Downloads downloads(store::Store& store, const CatalogueSource& source) {
  std::optional<publish::Skipped> problem;
  std::optional<catalogue::Catalogue> snapshot = stored_snapshot(store, problem);
  const auto age = catalogue::snapshot_age(store);
  if (!snapshot || !age || *age > catalogue::kSnapshotMaxAge) {
    try {
      std::vector<std::string> notes;
      catalogue::Catalogue fresh =
          source.local_registry() || !source.db_dump.empty()
              ? source.load({}, notes)
              : source.load_db_dump(std::string(kCratesIoDbDump), {}, notes);
      catalogue::write_snapshot(store, fresh);
      std::fprintf(stderr, "crater-at-home: catalogue snapshot refreshed (%zu crates)\n",
                   fresh.size());
      snapshot = std::move(fresh);
      problem.reset();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "crater-at-home: warning: the catalogue snapshot is %s: %s\n",
                   problem ? "unreadable and cannot be made again"
                   : age   ? "older than 24 h and cannot be refreshed"
                           : "missing",
                   e.what());
    }
  }
  Downloads out;
  if (problem) out.skipped.push_back(std::move(*problem));
  if (snapshot) {
    for (const catalogue::Crate& crate : snapshot->crates()) {
      out.by_crate[crate.name] = crate.downloads;
    }
  }
  return out;
}

int sync_store(const SyncOptions& options) {
  auto store = store::open_store(options.source.store_url());
  const std::string& run_name = options.name.empty() ? options.tool : options.name;
  if (const std::string unknown =
          unknown_run(*store, run_name, Known::kToolOrResults, options.tools_file);
      !unknown.empty()) {
    std::fprintf(stderr, "crater-at-home: error: %s\n", unknown.c_str());
    return kUnknownRunStatus;
  }
  const auto started = std::chrono::steady_clock::now();
  Downloads ranks = downloads(*store, options.source);
  publish::SyncStats stats = publish::sync_tool(
      *store, {.tool = run_name, .force = options.force, .archives = !options.no_archives},
      ranks.by_crate);
  stats.skipped.insert(stats.skipped.begin(), ranks.skipped.begin(), ranks.skipped.end());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  print_skipped(stats.skipped);
  std::printf(
      "%s: %zu results, %zu unchanged, %zu rendered, %zu diagnosed%s in %.1f s; site at %s/%s/\n",
      run_name.c_str(), stats.results, stats.unchanged, stats.rendered, stats.diagnosed,
      stats.archives_written ? ", archives written" : "", seconds, store->url().c_str(),
      run_name.c_str());
  if (!stats.skipped.empty()) {
    std::printf("%s: %zu object%s skipped, see warnings\n", run_name.c_str(), stats.skipped.size(),
                stats.skipped.size() == 1 ? "" : "s");
  }
  if (stats.missing_raw > 0) {
    std::fprintf(stderr, "crater-at-home: warning: %zu results have no raw log\n",
                 stats.missing_raw);
  }
  return stats.skipped.empty() ? 0 : kSkippedObjectsStatus;
}

}  // namespace

void add_sync_command(CLI::App& app, int& exit_status) {
  auto* command = app.add_subcommand(
      "sync", "Bring a tool's pages, diagnoses, results.json and archives up to date");
  auto options = std::make_shared<SyncOptions>();
  command->add_option("--tool", options->tool, "The tool whose results to publish");
  command->add_option("--name", options->name,
                      "The run's name, if `run --name` gave one (default: the tool's)");
  command->add_option("--tools", options->tools_file,
                      "The tools file naming the known tools (default: ./tools.toml, else the "
                      "installed one)");
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
