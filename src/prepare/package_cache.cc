#include "prepare/package_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <system_error>
#include <vector>

#include "registry/registry.h"
#include "registry/sha256.h"
#include "registry/unpack.h"
#include "util/fd.h"

namespace prepare {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBytesFile = ".cah-bytes";
constexpr const char* kChecksumFile = ".cargo-checksum.json";

uint64_t bytes_under(const fs::path& folder) {
  uint64_t total = 0;
  std::error_code error;
  for (fs::recursive_directory_iterator it(folder, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file(error)) total += it->file_size(error);
  }
  return total;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out)
    throw fs::filesystem_error("cannot write", path, std::make_error_code(std::errc::io_error));
}

uint64_t read_bytes_file(const fs::path& folder) {
  std::ifstream in(folder / kBytesFile);
  uint64_t bytes = 0;
  in >> bytes;
  return bytes;
}

/// An exclusive lock on a file, across processes, held while it lives: two
/// preparations that need the same missing package download it once.
class FileLock {
 public:
  explicit FileLock(const fs::path& path)
      : fd_(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)) {
    if (!fd_) throw std::system_error(errno, std::generic_category(), "open " + path.string());
    while (flock(fd_.get(), LOCK_EX) != 0) {
      if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "flock");
    }
  }

 private:
  util::Fd fd_;  // closing it releases the lock
};

/// Marks a package used: its folder's modification time is its last use.
void touch(const fs::path& folder) { utimensat(AT_FDCWD, folder.c_str(), nullptr, 0); }

bool process_alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

}  // namespace

PackageCache::PackageCache(fs::path root) : root_(std::move(root)) {
  fs::create_directories(packages());
  fs::create_directories(root_ / "tmp");
  fs::create_directories(root_ / "homes");
  fs::create_directories(root_ / "locks");
}

fs::path PackageCache::home(unsigned slot) const { return root_ / "homes" / std::to_string(slot); }

fs::path PackageCache::make_scratch() const {
  std::string pattern = (root_ / "tmp" / (std::to_string(getpid()) + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  return pattern;
}

PackageCache::Ensured PackageCache::ensure(const std::string& name, const std::string& version,
                                           const std::string& checksum, const std::string& url,
                                           const registry::DownloadOptions& download) {
  const std::string folder = name + "-" + version;
  const fs::path target = package(folder);
  const catalogue::Crate krate{.name = name, .version = version, .checksum = checksum};
  if (fs::exists(target / kChecksumFile)) {
    touch(target);
    return {};
  }
  // Whoever holds the lock downloads; the others find the package after it.
  const FileLock lock(root_ / "locks" / (folder + ".lock"));
  if (fs::exists(target / kChecksumFile)) {
    touch(target);
    return {};
  }
  if (checksum.size() != 64) {
    throw registry::FetchError(registry::FetchError::Reason::kInvalid, krate,
                               "no SHA-256 checksum to verify " + url + " against");
  }
  const fs::path scratch = make_scratch();
  struct Cleanup {
    fs::path path;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } cleanup{scratch};

  const fs::path file = scratch / (folder + ".crate");
  try {
    registry::download(url, file, download);
  } catch (const registry::DownloadError& e) {
    throw registry::FetchError(e.not_found() ? registry::FetchError::Reason::kNotFound
                                             : registry::FetchError::Reason::kUnavailable,
                               krate, e.what());
  }
  const std::string actual = registry::sha256_file(file);
  if (actual != checksum) {
    throw registry::FetchError(registry::FetchError::Reason::kInvalid, krate,
                               "checksum mismatch for " + url + ": expected " + checksum +
                                   ", got " + actual + "; not used");
  }
  const fs::path unpacked = scratch / folder;
  try {
    registry::unpack_crate(file, unpacked);
  } catch (const registry::UnpackError& e) {
    throw registry::FetchError(e.local_failure() ? registry::FetchError::Reason::kUnavailable
                                                 : registry::FetchError::Reason::kInvalid,
                               krate, e.what());
  }
  // The checksum cargo compares with the lockfile's; files are not listed,
  // so cargo does not hash them again on every build.
  write_text(unpacked / kChecksumFile, R"({"package":")" + checksum + R"(","files":{}})");
  const uint64_t bytes = bytes_under(unpacked) + fs::file_size(file);
  write_text(unpacked / kBytesFile, std::to_string(bytes));
  fs::remove(file);
  if (rename(unpacked.c_str(), target.c_str()) != 0) {
    // Another preparation put it there first: theirs is as good as ours.
    if (errno == EEXIST || errno == ENOTEMPTY) {
      touch(target);
      return {.bytes_added = 0, .downloaded = true};
    }
    throw std::system_error(errno, std::generic_category(), "rename to " + target.string());
  }
  return {.bytes_added = bytes, .downloaded = true};
}

size_t PackageCache::remove_stale_temporaries() const {
  size_t removed = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(root_ / "tmp", error)) {
    const std::string name = entry.path().filename().string();
    const size_t dash = name.find('-');
    const std::string pid_text = name.substr(0, dash);
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    if (process_alive(static_cast<pid_t>(std::stol(pid_text)))) continue;
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
    ++removed;
  }
  return removed;
}

PackageCache::Usage PackageCache::usage() const {
  Usage usage;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(packages(), error)) {
    usage.bytes += read_bytes_file(entry.path());
    ++usage.packages;
  }
  return usage;
}

PackageCache::Evicted PackageCache::evict(uint64_t max_bytes, const std::set<std::string>& keep,
                                          std::chrono::seconds min_idle) const {
  struct Entry {
    fs::path path;
    fs::file_time_type used;
    uint64_t bytes;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(packages(), error)) {
    std::error_code ignored;
    const uint64_t bytes = read_bytes_file(entry.path());
    entries.push_back({entry.path(), fs::last_write_time(entry.path(), ignored), bytes});
    total += bytes;
  }
  Evicted evicted;
  if (total <= max_bytes) return evicted;
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.used < b.used; });
  const auto idle_since = fs::file_time_type::clock::now() - min_idle;
  for (const Entry& entry : entries) {
    if (total <= max_bytes) break;
    if (entry.used > idle_since || keep.contains(entry.path.filename().string())) continue;
    // Out of packages/ in one step, so no reader sees it half removed.
    const fs::path doomed = make_scratch() / "evicted";
    std::error_code failed;
    fs::rename(entry.path, doomed, failed);
    if (failed) continue;
    fs::remove_all(doomed.parent_path(), failed);
    total -= entry.bytes;
    evicted.bytes += entry.bytes;
    ++evicted.packages;
  }
  return evicted;
}

fs::path default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return fs::path(xdg) / "crater-at-home";
  }
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : "/tmp") / ".cache" / "crater-at-home";
}

}  // namespace prepare
