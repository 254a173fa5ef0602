#pragma once
// What the registry tests work on: scratch folders, real published crates
// from Debian's registry, and snapshots of trees to compare.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "catalogue/crate.h"

namespace registry::testing {

/// Debian's librust-*-dev packages put real published crates here.
inline const std::filesystem::path kDebianRegistry = "/usr/share/cargo/registry";

/// A fresh folder under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct RealCrate {
  catalogue::Crate krate;
  /// Its source: kDebianRegistry/NAME-VERSION.
  std::filesystem::path dir;
};

/// The `count` smallest crates of kDebianRegistry. Throws, naming the
/// set-up step that is missing, if it holds fewer: these tests must not
/// pass by testing nothing.
std::vector<RealCrate> smallest_real_crates(size_t count);
/// The crate of median size: more folders and files than the smallest.
RealCrate median_real_crate();

/// Every file, folder and symlink under `root`, keyed by relative path:
/// "dir", "file 644 <contents>", "file 755 <contents>", "symlink -> target".
std::map<std::string, std::string> snapshot(const std::filesystem::path& root);

std::string read_file(const std::filesystem::path& file);
void write_file(const std::filesystem::path& file, const std::string& contents);

}  // namespace registry::testing
