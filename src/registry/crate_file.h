#pragma once
// A .crate file on our disk, downloaded or from a local registry: checked
// against the digest the catalogue or index gives, then unpacked.

#include <filesystem>
#include <string>

#include "catalogue/crate.h"

namespace registry {

struct CrateFile {
  std::filesystem::path path;
  /// Where it came from (a URL, the file itself), for messages.
  std::string origin;
  /// SHA-256 hex the catalogue or index gives; empty when unknown.
  std::string expected_sha256;
};

/// Checks the file's digest when one is expected and unpacks it into
/// `target`. Throws FetchError naming `krate`: kInvalid for a mismatch or
/// a broken or hostile archive, kUnavailable if our disk failed us.
void unpack_crate_file(const catalogue::Crate& krate, const CrateFile& file,
                       const std::filesystem::path& target);

}  // namespace registry
