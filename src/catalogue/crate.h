#pragma once
// A crate as a sweep sees it: one published name at one version.

#include <cstdint>
#include <string>

namespace catalogue {

struct Crate {
  std::string name;
  std::string version;
  /// Recent downloads (crates.io: the sum of the dump's version_downloads
  /// rows for the crate's versions); 0 when the source does not say.
  uint64_t downloads = 0;
  /// SHA-256 of the .crate file, lowercase hex, when the source knows it
  /// (the crates.io dump's `checksum` column, a local-registry's index).
  std::string checksum;

  friend bool operator==(const Crate&, const Crate&) = default;
};

}  // namespace catalogue
