#pragma once
// Where a run's crates and their dependencies come from, as `--registry`
// names it: crates.io (its sparse index and download host), any sparse
// registry (a mirror, a proxy, the test lookalike), or a registry on local
// disk (a directory registry such as Debian's /usr/share/cargo/registry, or
// a cargo local-registry).

#include <optional>
#include <string>
#include <string_view>

namespace prepare {

/// crates.io's sparse index.
inline constexpr std::string_view kCratesIoIndex = "https://index.crates.io/";

struct RegistrySource {
  enum class Kind { kSparse, kDirectory, kLocalRegistry };
  Kind kind = Kind::kSparse;
  /// kSparse: the index URL, ending in '/', without "sparse+".
  std::string index;
  /// Local kinds: the folder.
  std::string path;
  /// The name people know it by: "crates-io", "sparse+http://...", a path.
  std::string spec;

  bool remote() const { return kind == Kind::kSparse; }
  bool is_crates_io() const { return remote() && index == kCratesIoIndex; }
};

/// "crates-io", "sparse+http(s)://HOST/PATH/", or the path of a folder.
/// Throws std::invalid_argument saying what is accepted.
RegistrySource parse_registry(std::string_view spec);

/// The index file of a crate: "1/a", "2/ab", "3/a/abc", "ab/cd/abcd...",
/// lowercased, as cargo looks for it.
std::string index_file(std::string_view name);

/// The download URL of a .crate from the index's `dl` (config.json), with
/// its markers ({crate}, {version}, {prefix}, {lowerprefix},
/// {sha256-checksum}) filled in, or "/{crate}/{version}/download" appended
/// when it has none.
std::string download_url(std::string_view dl, std::string_view name, std::string_view version,
                         std::string_view checksum);

/// `dl` from a config.json. Throws std::runtime_error for one without it.
std::string dl_of_config(std::string_view config_json);

struct IndexVersion {
  std::string checksum;
  bool yanked = false;
};
/// The line of `version` in an index file, if there is one.
std::optional<IndexVersion> find_in_index(std::string_view index_text, std::string_view version);

}  // namespace prepare
