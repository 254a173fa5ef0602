#pragma once
// An inline job's files (agent/job.h), made on the server for a worker that
// sees no folder of ours: one uncompressed tar with the staged crate as
// source/ and each package of its directory source as deps/NAME-VERSION/,
// read from the package cache itself (whose packages were checked against
// their checksums when they came in), not through the staged folder of
// symlinks, which name places inside the sandbox.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace prepare {

struct BundlePackage {
  std::string folder;          // NAME-VERSION, its folder under deps/
  std::filesystem::path path;  // where its files are on this machine
};

/// Writes the tar to `file`, whole or not at all (a .part renamed into
/// place), and returns its size. Entries come in name order; files keep
/// only their executable bit (0755 or 0644), symlinks stay symlinks (the
/// agent refuses one that leads out of its top folder), anything else is
/// refused; a package's .cah-bytes (the cache's bookkeeping) is left out.
/// Throws std::runtime_error naming the file that failed.
uint64_t write_bundle(const std::filesystem::path& source,
                      const std::vector<BundlePackage>& packages,
                      const std::filesystem::path& file);

}  // namespace prepare
