#include "registry/confined_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace registry {
namespace {

constexpr int kDirectoryFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr mode_t kDirectoryMode = 0755;

[[noreturn]] void fail(const std::string& what, const RelativePath& path) {
  const std::string message = what + " " + to_string(path);
  // ELOOP or ENOTDIR: a symlink or a file where we need a folder or a file.
  if (errno == ELOOP || errno == ENOTDIR) {
    throw std::runtime_error(message + ": a symlink or a file is in the way");
  }
  throw std::system_error(errno, std::generic_category(), message);
}

/// Opens the directory `name` in `parent`, making it first if needed.
util::Fd open_directory(int parent, const std::string& name) {
  if (::mkdirat(parent, name.c_str(), kDirectoryMode) < 0 && errno != EEXIST) return {};
  return util::Fd(::openat(parent, name.c_str(), kDirectoryFlags));
}

}  // namespace

ConfinedDir::ConfinedDir(const std::filesystem::path& root)
    : root_(::open(root.c_str(), kDirectoryFlags)) {
  if (!root_) {
    throw std::system_error(errno, std::generic_category(), "cannot open " + root.string());
  }
}

util::Fd ConfinedDir::open_parent(const RelativePath& path) {
  if (path.empty()) throw std::invalid_argument("ConfinedDir: the root has no parent");
  util::Fd directory(::dup(root_.get()));
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    directory = open_directory(directory.get(), path[i]);
    if (!directory) fail("cannot create", path);
  }
  return directory;
}

void ConfinedDir::make_directory(const RelativePath& path) {
  if (path.empty()) return;
  util::Fd parent = open_parent(path);
  if (!open_directory(parent.get(), path.back())) fail("cannot create folder", path);
}

util::Fd ConfinedDir::create_file(const RelativePath& path, mode_t mode) {
  util::Fd parent = open_parent(path);
  util::Fd file(::openat(parent.get(), path.back().c_str(),
                         O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!file) fail("cannot create", path);
  // The umask or an earlier file of that name may have left other bits.
  if (::fchmod(file.get(), mode) < 0) fail("cannot set the mode of", path);
  return file;
}

void ConfinedDir::create_symlink(const RelativePath& path, const std::string& target) {
  util::Fd parent = open_parent(path);
  if (::symlinkat(target.c_str(), parent.get(), path.back().c_str()) < 0) {
    fail("cannot create symlink", path);
  }
}

void ConfinedDir::create_hard_link(const RelativePath& path, const RelativePath& existing) {
  util::Fd from = open_parent(existing);
  util::Fd to = open_parent(path);
  // No AT_SYMLINK_FOLLOW: if `existing` had become a symlink, we would link
  // the symlink itself, never what it points to.
  if (::linkat(from.get(), existing.back().c_str(), to.get(), path.back().c_str(), 0) < 0) {
    fail("cannot create hard link", path);
  }
}

}  // namespace registry
