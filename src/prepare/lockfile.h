#pragma once
// The packages a Cargo.lock pins: what preparation must download.

#include <filesystem>
#include <string>
#include <vector>

namespace prepare {

struct LockedPackage {
  std::string name;
  std::string version;
  /// "registry+https://github.com/rust-lang/crates.io-index", "sparse+...",
  /// "git+..."; empty for the crate itself and path dependencies.
  std::string source;
  /// SHA-256 of the .crate, for registry packages.
  std::string checksum;

  bool from_registry() const {
    return source.starts_with("registry+") || source.starts_with("sparse+");
  }
  /// "NAME-VERSION", the folder cargo expects in a directory source.
  std::string folder() const { return name + "-" + version; }
};

/// Reads every [[package]] of a lockfile (any version of its format).
/// Throws std::runtime_error naming the file for one that does not parse.
std::vector<LockedPackage> read_lockfile(const std::filesystem::path& path);

}  // namespace prepare
