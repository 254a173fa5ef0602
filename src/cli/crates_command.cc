// `crater-at-home crates`: the crates a run would take, in its order, so a
// user can see what a sweep would do. `crater-at-home sync-catalogue`:
// refreshes the store's catalogue snapshot that later steps read.

#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>

#include "catalogue/snapshot.h"
#include "cli/catalogue_options.h"
#include "cli/commands.h"
#include "store/store.h"

namespace cli {

namespace {

void print_notes(const std::vector<std::string>& notes) {
  for (const auto& note : notes) std::fprintf(stderr, "crater-at-home: %s\n", note.c_str());
}

void print_table(const std::vector<catalogue::Crate>& crates) {
  size_t name_width = 4, version_width = 7;
  for (const auto& crate : crates) {
    name_width = std::max(name_width, crate.name.size());
    version_width = std::max(version_width, crate.version.size());
  }
  const int nw = static_cast<int>(name_width), vw = static_cast<int>(version_width);
  std::printf("%-*s  %-*s  %s\n", nw, "name", vw, "version", "downloads");
  for (const auto& crate : crates) {
    std::printf("%-*s  %-*s  %llu\n", nw, crate.name.c_str(), vw, crate.version.c_str(),
                static_cast<unsigned long long>(crate.downloads));
  }
}

struct CratesOptions {
  CatalogueSource source;
  SelectionOptions selection;
};

int list_crates(const CratesOptions& options) {
  const auto list = options.selection.read_list();
  std::vector<std::string> notes;
  const auto pinned =
      list ? list->pinned_versions() : std::set<std::pair<std::string, std::string>>{};
  const catalogue::Catalogue catalogue = options.source.load(pinned, notes);
  print_notes(notes);

  uint64_t seed = options.selection.seed.value_or(0);
  if (options.selection.random && !options.selection.seed) {
    seed = std::random_device{}();
    std::fprintf(stderr, "crater-at-home: random sample with --seed %llu\n",
                 static_cast<unsigned long long>(seed));
  }
  const auto selected =
      catalogue::select(catalogue, options.selection.selection(list ? &*list : nullptr, seed));
  print_table(selected.crates);
  for (const auto& error : selected.errors) {
    std::fprintf(stderr, "crater-at-home: error: %s\n", error.c_str());
  }
  std::fprintf(stderr, "crater-at-home: %zu crates selected of %zu in the catalogue\n",
               selected.crates.size(), catalogue.size());
  return selected.errors.empty() ? 0 : 1;
}

struct SyncOptions {
  CatalogueSource source;
  bool force = false;
};

int sync_catalogue(const SyncOptions& options) {
  auto store = store::open_store(options.source.store_url());
  if (const auto age = catalogue::snapshot_age(*store);
      age && *age < catalogue::kSnapshotMaxAge && !options.force) {
    const double hours = std::chrono::duration<double, std::ratio<3600>>(*age).count();
    std::fprintf(stderr,
                 "crater-at-home: the catalogue snapshot in %s is %.1f h old, under 24 h: "
                 "nothing to do (--force remakes it)\n",
                 store->url().c_str(), hours);
    return 0;
  }
  std::vector<std::string> notes;
  catalogue::Catalogue catalogue;
  if (options.source.local_registry()) {
    catalogue = options.source.load({}, notes);
  } else {
    const std::string dump =
        options.source.db_dump.empty() ? std::string(kCratesIoDbDump) : options.source.db_dump;
    catalogue = options.source.load_db_dump(dump, {}, notes);
  }
  print_notes(notes);
  catalogue::write_snapshot(*store, catalogue);
  std::fprintf(stderr, "crater-at-home: wrote %s and %s (%zu crates) to %s\n",
               std::string(catalogue::kCratesKey).c_str(),
               std::string(catalogue::kDownloadsKey).c_str(), catalogue.size(),
               store->url().c_str());
  return 0;
}

}  // namespace

void add_crates_command(CLI::App& app, int& exit_status) {
  auto* command = app.add_subcommand("crates", "List the crates a run would take, in its order");
  auto options = std::make_shared<CratesOptions>();
  options->source.add_options(*command);
  options->selection.add_options(*command);
  command->callback([options, &exit_status] { exit_status = list_crates(*options); });
}

void add_sync_catalogue_command(CLI::App& app, int& exit_status) {
  auto* command = app.add_subcommand(
      "sync-catalogue",
      "Store the catalogue snapshot (crates.json, downloads.json) if it is older than 24 h");
  auto options = std::make_shared<SyncOptions>();
  options->source.add_options(*command);
  command->add_flag("--force", options->force, "Remake the snapshot even if it is fresh");
  command->callback([options, &exit_status] { exit_status = sync_catalogue(*options); });
}

}  // namespace cli
