#pragma once
// A cargo local-registry (`cargo local-registry`, `[source] local-registry =
// ...`): an index/ folder laid out like crates.io's index, and the .crate
// files themselves, NAME-VERSION.crate, at the top.

#include <filesystem>
#include <optional>
#include <string>

#include "registry/registry.h"

namespace registry {

class LocalRegistry : public Registry {
 public:
  explicit LocalRegistry(std::filesystem::path root);

  /// Checks the .crate against krate.checksum, or the index's digest when
  /// the catalogue gives none, then unpacks it.
  void fetch(const catalogue::Crate& krate, const std::filesystem::path& target) override;
  std::string describe() const override;

  /// Where cargo's index layout keeps a crate's versions: "1/a", "2/ab",
  /// "3/a/abc", "ab/cd/abcd..." for the lowercased name.
  static std::filesystem::path index_path(const std::string& name);

 private:
  /// The index's digest for the version ("" if it gives none), or nothing
  /// if the index does not list it.
  std::optional<std::string> find_in_index(const catalogue::Crate& krate) const;

  std::filesystem::path root_;
};

}  // namespace registry
