#pragma once
// Unpacking a .crate: a gzip'd tar whose entries all live under one folder,
// NAME-VERSION/. The archive comes from the network and is treated as
// hostile: nothing is ever written outside the target, and whatever a crate
// has no business holding is refused, not skipped, so that a crate never
// builds from a silently different tree.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace registry {

struct UnpackLimits {
  /// File contents written, holes of sparse entries included: a 1 MB
  /// download can otherwise fill the disk.
  uint64_t max_bytes = 1'000'000'000;
  /// Entries of any kind: empty files cost inodes, not bytes.
  uint64_t max_entries = 1'000'000;
};

/// what() names the archive and, where there is one, the offending entry:
/// "cannot unpack x.crate: entry '/tmp/evil': absolute path".
class UnpackError : public std::runtime_error {
 public:
  explicit UnpackError(const std::string& message, bool local_failure = false)
      : std::runtime_error(message), local_failure_(local_failure) {}
  /// Our side failed (no space, a target we cannot write, an unreadable
  /// file), not the archive: trying again later may work.
  bool local_failure() const { return local_failure_; }

 private:
  bool local_failure_;
};

/// Puts the contents of the archive's single top folder into `target`,
/// which must not exist or be an empty folder; target/Cargo.toml is then the
/// crate's manifest. Files get mode 0755 if executable by anyone, else 0644:
/// no setuid, no files the sandbox cannot read. On any error `target` is
/// left as it was.
void unpack_crate(const std::filesystem::path& crate_file, const std::filesystem::path& target,
                  const UnpackLimits& limits = {});

/// The next bytes of a stream: empty at its end. What it throws ends the
/// unpacking and comes out of unpack_tar_stream as it was.
using ChunkReader = std::function<std::string_view()>;

/// Unpacks an uncompressed tar read through `read` (an inline job's files,
/// agent/job.h) with the same checks as a crate: every entry lies below one
/// of `targets`' top folders ("source/...") and goes below that folder's
/// target, which must not exist or be an empty folder; no link leaves its
/// top folder. Throws UnpackError; on any error the targets are left as
/// they were.
void unpack_tar_stream(const ChunkReader& read,
                       const std::map<std::string, std::filesystem::path>& targets,
                       const UnpackLimits& limits = {});

}  // namespace registry
