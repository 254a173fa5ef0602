#pragma once
// The crates.io database dump (https://static.crates.io/db-dump.tar.gz, one a
// day): every published crate with its versions and recent downloads, read
// straight from the archive into the list of crates a sweep runs over.

#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "catalogue/crate.h"

namespace catalogue {

struct DbDump {
  /// One per crate that has a version to test (BestVersion's rule: never a
  /// yanked one, so a crate whose every version is yanked is left out), with
  /// that version's checksum and the crate's recent downloads; most
  /// downloaded first, then by name.
  std::vector<Crate> crates;
  /// The requested (name, version) pairs the dump has, yanked or not, with
  /// their checksum and the crate's downloads; in (name, version) order.
  /// Pairs the dump lacks are simply absent.
  std::vector<Crate> pinned;
};

/// Reads data/crates.csv, data/versions.csv and data/version_downloads.csv
/// from a db-dump.tar.gz as it streams by, in whatever order the archive
/// holds them, keeping per crate only its name and best version so far, and
/// per version only its crate and downloads. A crate's downloads are the sum
/// of its versions' version_downloads rows (the dump keeps the last 90 days);
/// one without rows has 0 and is still listed.
///
/// Throws std::runtime_error if a table is missing, lacks a column, has a
/// malformed field, or the archive is unreadable or truncated; the message
/// names the dump, the file inside it and the line.
DbDump read_db_dump(const std::filesystem::path& archive,
                    const std::set<std::pair<std::string, std::string>>& pinned_versions = {});

}  // namespace catalogue
