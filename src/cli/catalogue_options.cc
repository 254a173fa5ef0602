#include "cli/catalogue_options.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>

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

namespace {

/// A file made exclusively beside `path` (PATH.unverified-XXXXXX), removed
/// when this goes unless it was renamed into place.
class UnverifiedFile {
 public:
  explicit UnverifiedFile(const fs::path& path) {
    std::string pattern = path.string() + ".unverified-XXXXXX";
    const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0) {
      throw std::system_error(errno, std::generic_category(), "cannot create " + pattern);
    }
    ::close(fd);
    path_ = pattern;
  }
  UnverifiedFile(const UnverifiedFile&) = delete;
  UnverifiedFile& operator=(const UnverifiedFile&) = delete;
  ~UnverifiedFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const fs::path& path() const { return path_; }
  void rename_to(const fs::path& to) {
    if (::rename(path_.c_str(), to.c_str()) != 0) {
      throw std::system_error(errno, std::generic_category(), "cannot rename into " + to.string());
    }
    path_.clear();
  }

 private:
  fs::path path_;
};

/// `url` downloaded and read: the copy in `cached` if one younger than a
/// day reads, else a new download, which takes the cached copy's place
/// only once it reads whole (a truncated or corrupt download is never
/// kept).
catalogue::DbDump cached_db_dump(const std::string& url, const fs::path& cached,
                                 const std::set<std::pair<std::string, std::string>>& pinned,
                                 std::vector<std::string>& notes) {
  std::error_code ec;
  const auto modified = fs::last_write_time(cached, ec);
  if (!ec && fs::file_time_type::clock::now() - modified < catalogue::kSnapshotMaxAge) {
    try {
      catalogue::DbDump dump = catalogue::read_db_dump(cached, pinned);
      notes.push_back("using " + cached.string() + ", downloaded from " + url +
                      " less than 24 h ago");
      return dump;
    } catch (const std::exception& e) {
      // Left by an older version, or damaged since: not to be used again.
      notes.push_back("the cached " + cached.string() + " cannot be read (" + e.what() +
                      "); downloading it again");
      fs::remove(cached, ec);
    }
  }
  notes.push_back("downloading " + url + " to " + cached.string());
  UnverifiedFile download(cached);
  registry::download(url, download.path());
  catalogue::DbDump dump;
  try {
    dump = catalogue::read_db_dump(download.path(), pinned);
  } catch (const std::exception& e) {
    throw std::runtime_error("the dump downloaded from " + url + " cannot be read, and is not " +
                             "kept: " + e.what());
  }
  download.rename_to(cached);
  return dump;
}

}  // namespace

catalogue::Catalogue CatalogueSource::load_db_dump(
    const std::string& file_or_url, const std::set<std::pair<std::string, std::string>>& pinned,
    std::vector<std::string>& notes) const {
  fs::path file = file_or_url;
  catalogue::DbDump dump;
  if (is_url(file_or_url)) {
    // Downloads land in the user's cache, one file per URL, so a second look
    // at the same dump within a day does not fetch it again.
    fs::create_directories(prepare::default_cache_dir());
    file = prepare::default_cache_dir() /
           ("db-dump-" + registry::sha256(file_or_url).substr(0, 16) + ".tar.gz");
    dump = cached_db_dump(file_or_url, file, pinned, notes);
  } else {
    dump = catalogue::read_db_dump(file, pinned);
  }
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
