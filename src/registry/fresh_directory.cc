#include "registry/fresh_directory.h"

#include <stdexcept>
#include <system_error>
#include <vector>

namespace registry {

namespace fs = std::filesystem;

FreshDirectory::FreshDirectory(fs::path path) : path_(std::move(path)) {
  fs::file_status status = fs::symlink_status(path_);
  if (fs::exists(status)) {
    if (!fs::is_directory(status) || !fs::is_empty(path_)) {
      throw std::runtime_error(path_.string() + " exists and is not an empty folder");
    }
    existed_ = true;
  } else {
    fs::create_directories(path_);
  }
}

FreshDirectory::~FreshDirectory() {
  if (kept_) return;
  // remove_all removes symlinks themselves and never follows them.
  std::error_code ignored;
  if (!existed_) {
    fs::remove_all(path_, ignored);
    return;
  }
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(path_, ignored), end; !ignored && it != end;
       it.increment(ignored)) {
    entries.push_back(it->path());
  }
  for (const auto& entry : entries) fs::remove_all(entry, ignored);
}

}  // namespace registry
