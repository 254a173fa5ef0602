#pragma once
// The options that say which crates a command works on: where the
// catalogue comes from (--registry, --db-dump, the store's snapshot) and
// which of its crates to take (--crates, --crate-list, --random, --rev).
// `crates` uses them today; `run` will use the same ones.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalogue/catalogue.h"
#include "catalogue/crate_list.h"
#include "catalogue/selection.h"

namespace cli {

/// crates.io's daily database dump.
inline constexpr std::string_view kCratesIoDbDump = "https://static.crates.io/db-dump.tar.gz";

struct CatalogueSource {
  std::string registry = "crates-io";
  std::string db_dump;  // a file or a URL
  std::string store;
  std::string bucket;

  void add_options(CLI::App& command);
  /// --store, or s3://BUCKET for --bucket, or the default ./results.
  std::string store_url() const;
  /// A folder, not crates.io or a sparse registry (sparse+URL).
  bool local_registry() const {
    return registry != "crates-io" && !registry.starts_with("sparse+");
  }

  /// The catalogue, keeping the `pinned` versions a crate list asks for.
  /// Notes for the user (skipped registry entries, where it came from) go
  /// to `notes`. Throws std::runtime_error when there is no catalogue.
  catalogue::Catalogue load(const std::set<std::pair<std::string, std::string>>& pinned,
                            std::vector<std::string>& notes) const;
  /// Reads a dump given as a file or a URL (downloaded to the cache first).
  catalogue::Catalogue load_db_dump(const std::string& file_or_url,
                                    const std::set<std::pair<std::string, std::string>>& pinned,
                                    std::vector<std::string>& notes) const;
};

struct SelectionOptions {
  std::optional<size_t> top;
  std::string crate_list;
  std::optional<size_t> random;
  std::optional<uint64_t> seed;
  bool reverse = false;

  void add_options(CLI::App& command);
  /// Reads the crate list, if one was given (throws if it cannot be read).
  std::optional<catalogue::CrateList> read_list() const;
  catalogue::Selection selection(const catalogue::CrateList* list, uint64_t seed) const;
};

}  // namespace cli
