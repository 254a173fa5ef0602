#pragma once
// The crates of a registry on local disk, either kind cargo knows: a
// directory registry (folders NAME-VERSION holding Cargo.toml, like Debian's
// /usr/share/cargo/registry or `cargo vendor` output) or a local-registry
// (an index/ in crates.io's layout beside NAME-VERSION.crate files).

#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "catalogue/catalogue.h"

namespace catalogue {

struct LocalRegistryListing {
  Catalogue catalogue;
  /// Entries that are not crates (a folder without a readable manifest, a
  /// malformed index line), one line each; the rest is still listed.
  std::vector<std::string> skipped;
};

/// Lists every crate at its version to test (downloads are unknown: 0), and
/// the `pinned` (name, version) pairs the registry has. Throws
/// std::runtime_error if `root` is not a registry.
LocalRegistryListing read_local_registry(
    const std::filesystem::path& root,
    const std::set<std::pair<std::string, std::string>>& pinned = {});

/// Whether `root` is a cargo local-registry (has index/) rather than a
/// directory registry.
bool is_cargo_local_registry(const std::filesystem::path& root);

}  // namespace catalogue
