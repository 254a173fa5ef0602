#pragma once
// crates.io, or a mirror laid out like its static host: every published
// crate at {base}/crates/NAME/NAME-VERSION.crate.

#include <string>

#include "registry/download.h"
#include "registry/registry.h"

namespace registry {

class CratesIo : public Registry {
 public:
  static constexpr const char* kBase = "https://static.crates.io";

  explicit CratesIo(std::string base, DownloadOptions options = {});

  /// Downloads the .crate next to `target`, checks it against
  /// krate.checksum when known, unpacks it and deletes it.
  void fetch(const catalogue::Crate& krate, const std::filesystem::path& target) override;
  std::string describe() const override;

  std::string url_of(const catalogue::Crate& krate) const;

 private:
  std::string base_;
  DownloadOptions options_;
};

}  // namespace registry
