#include "prepare/override_files.h"

#include <algorithm>
#include <system_error>

namespace prepare {
namespace {

namespace fs = std::filesystem;

bool is_override(const fs::path& path) {
  const std::string name = path.filename().string();
  if (name == "rust-toolchain" || name == "rust-toolchain.toml") return true;
  return (name == "config" || name == "config.toml") && path.parent_path().filename() == ".cargo";
}

}  // namespace

std::vector<std::string> remove_override_files(const fs::path& crate_dir) {
  std::vector<fs::path> found;
  std::error_code error;
  // Symlinked folders are not followed: a link out of the crate must not
  // make us delete anything outside it.
  for (fs::recursive_directory_iterator it(crate_dir, error), end; !error && it != end;
       it.increment(error)) {
    if (is_override(it->path())) found.push_back(it->path());
  }
  if (error) throw fs::filesystem_error("cannot list the crate", crate_dir, error);
  std::vector<std::string> removed;
  for (const fs::path& path : found) {
    fs::remove_all(path);  // a folder named like a file goes too
    removed.push_back(fs::relative(path, crate_dir).string());
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

}  // namespace prepare
