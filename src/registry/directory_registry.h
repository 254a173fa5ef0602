#pragma once
// A directory registry: one folder per crate version, holding its unpacked
// source, as in Debian's /usr/share/cargo/registry or the output of `cargo
// vendor --versioned-dirs`. Needs no network at all. The folder is usually
// NAME-VERSION/, but not always (Debian keeps md-5 0.10.1 in md-0.10.1/):
// as cargo does, the manifest inside says which crate a folder holds.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "registry/registry.h"

namespace registry {

class DirectoryRegistry : public Registry {
 public:
  explicit DirectoryRegistry(std::filesystem::path root);

  /// Copies NAME-VERSION/'s files and folders; symlinks stay symlinks if
  /// they lead inside the crate. Anything else (a symlink out, a device, a
  /// fifo) refuses the crate: the copy is the source or nothing.
  void fetch(const catalogue::Crate& krate, const std::filesystem::path& target) override;
  std::string describe() const override;

 private:
  /// The folder holding the crate: NAME-VERSION/ if its manifest agrees,
  /// else the one whose manifest names it.
  std::optional<std::filesystem::path> folder_of(const catalogue::Crate& krate);

  std::filesystem::path root_;
  /// (name, version) -> folder, from every manifest; read on first need.
  std::optional<std::map<std::pair<std::string, std::string>, std::filesystem::path>> manifests_;
};

}  // namespace registry
