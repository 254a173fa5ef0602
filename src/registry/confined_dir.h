#pragma once
// A directory we fill without ever following a symlink: every path is walked
// from the directory's own descriptor, one component at a time, with
// O_NOFOLLOW. A symlink that an earlier archive entry (or anyone) put inside
// cannot redirect a later write outside.

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "registry/entry_path.h"
#include "util/fd.h"

namespace registry {

class ConfinedDir {
 public:
  /// Opens `root`, which must be a directory and not a symlink.
  /// Every method throws std::runtime_error (std::system_error for errors
  /// of the system) naming the path it could not make.
  explicit ConfinedDir(const std::filesystem::path& root);

  /// Creates `path` and missing parents; an existing directory is fine.
  void make_directory(const RelativePath& path);
  /// Creates a regular file (and missing parents) and opens it for writing.
  /// An earlier regular file of that name is truncated, as tar's "last one
  /// wins"; a directory or symlink there is an error.
  util::Fd create_file(const RelativePath& path, mode_t mode);
  /// Creates a symlink; the caller has checked where it leads.
  void create_symlink(const RelativePath& path, const std::string& target);
  /// Creates `path` as another name of the regular file `existing`.
  void create_hard_link(const RelativePath& path, const RelativePath& existing);

 private:
  /// The directory that holds `path`, made (with its parents) if missing.
  util::Fd open_parent(const RelativePath& path);

  util::Fd root_;
};

}  // namespace registry
