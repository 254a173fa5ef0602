#pragma once
// A directory registry: one folder NAME-VERSION/ per crate, holding its
// unpacked source, as in Debian's /usr/share/cargo/registry or the output of
// `cargo vendor --versioned-dirs`. Needs no network at all.

#include <filesystem>

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
  std::filesystem::path root_;
};

}  // namespace registry
