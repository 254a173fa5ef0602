#include "cli/catalogue_options.h"

#include <filesystem>

#include "catalogue/db_dump.h"
#include "catalogue/local_registry.h"
#include "catalogue/snapshot.h"
#include "prepare/package_cache.h"
#include "registry/download.h"
#include "registry/sha256.h"
#include "store/store.h"

namespace cli {

namespace fs = std::filesystem;

namespace {

bool is_url(std::string_view text) { return text.find("://") != std::string_view::npos; }

}  // namespace

void CatalogueSource::add_options(CLI::App& command) {
  command
      .add_option("--registry", registry,
                  "Where crates come from: crates-io, sparse+http(s)://HOST/PATH/ (a mirror), or "
                  "the path of a local registry")
      ->capture_default_str();
  command.add_option("--db-dump", db_dump,
                     "crates.io database dump to read (a file or a URL) instead of the store's "
                     "catalogue snapshot");
  command.add_option("--store", store, "Store URL: file://DIR or s3://BUCKET[/PREFIX]");
  command.add_option("--bucket", bucket, "S3 bucket to use as the store (means s3://BUCKET)")
      ->excludes(command.get_option("--store"));
}

std::string CatalogueSource::store_url() const {
  if (!store.empty()) return store;
  if (!bucket.empty()) return "s3://" + bucket;
  return std::string(store::kDefaultStore);
}

catalogue::Catalogue CatalogueSource::load_db_dump(
    const std::string& file_or_url, const std::set<std::pair<std::string, std::string>>& pinned,
    std::vector<std::string>& notes) const {
  fs::path file = file_or_url;
  if (is_url(file_or_url)) {
    // Downloads land in the user's cache, one file per URL, so a second look
    // at the same dump within a day does not fetch it again.
    fs::create_directories(prepare::default_cache_dir());
    file = prepare::default_cache_dir() /
           ("db-dump-" + registry::sha256(file_or_url).substr(0, 16) + ".tar.gz");
    std::error_code ec;
    const auto modified = fs::last_write_time(file, ec);
    if (!ec && fs::file_time_type::clock::now() - modified < catalogue::kSnapshotMaxAge) {
      notes.push_back("using " + file.string() + ", downloaded from " + file_or_url +
                      " less than 24 h ago");
    } else {
      notes.push_back("downloading " + file_or_url + " to " + file.string());
      registry::download(file_or_url, file);
    }
  }
  catalogue::DbDump dump = catalogue::read_db_dump(file, pinned);
  notes.push_back("catalogue: " + std::to_string(dump.crates.size()) + " crates from " +
                  file.string());
  return catalogue::Catalogue(std::move(dump.crates), std::move(dump.pinned));
}

catalogue::Catalogue CatalogueSource::load(
    const std::set<std::pair<std::string, std::string>>& pinned,
    std::vector<std::string>& notes) const {
  if (local_registry()) {
    auto listing = catalogue::read_local_registry(registry, pinned);
    for (const auto& line : listing.skipped) notes.push_back("skipped " + line);
    notes.push_back("catalogue: " + std::to_string(listing.catalogue.size()) +
                    " crates in local registry " + registry);
    return std::move(listing.catalogue);
  }
  if (!db_dump.empty()) return load_db_dump(db_dump, pinned, notes);
  auto store = store::open_store(store_url());
  if (auto snapshot = catalogue::read_snapshot(*store)) {
    notes.push_back("catalogue: " + std::to_string(snapshot->size()) +
                    " crates from the snapshot in " + store->url());
    return std::move(*snapshot);
  }
  throw std::runtime_error("no catalogue snapshot in " + store->url() +
                           ": run `crater-at-home sync-catalogue` (it reads " +
                           std::string(kCratesIoDbDump) +
                           "), or give --db-dump FILE|URL or --registry PATH");
}

void SelectionOptions::add_options(CLI::App& command) {
  command.add_option("--crates", top, "Only the N most downloaded crates");
  command.add_option("--crate-list", crate_list,
                     "File of crates to take: NAME, NAME@VERSION or NAME/VERSION, "
                     "separated by white space");
  command.add_option("--random", random, "A random sample of N crates");
  command.add_option("--seed", seed, "Seed for --random (default: a new one, printed)");
  command.add_flag("--rev", reverse, "Least downloaded first");
}

std::optional<catalogue::CrateList> SelectionOptions::read_list() const {
  if (crate_list.empty()) return std::nullopt;
  return catalogue::read_crate_list(crate_list);
}

catalogue::Selection SelectionOptions::selection(const catalogue::CrateList* list,
                                                 uint64_t chosen_seed) const {
  return catalogue::Selection{
      .crate_list = list, .random = random, .seed = chosen_seed, .top = top, .reverse = reverse};
}

}  // namespace cli
