#include "store/file_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "pty/fd.h"

namespace store {

namespace fs = std::filesystem;

namespace {

// Temporary files carry this marker; list() never shows them.
constexpr std::string_view kTemporaryMarker = ".cah-tmp-";

[[noreturn]] void fail(const std::string& what, const fs::path& path, int error) {
  throw StoreError(what + " " + path.string() + ": " + std::strerror(error));
}

std::chrono::system_clock::time_point to_system_clock(fs::file_time_type t) {
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      std::chrono::file_clock::to_sys(t));
}

}  // namespace

FileStore::FileStore(fs::path root) : root_(std::move(root)) {}

fs::path FileStore::path_of(std::string_view key) const {
  check_key(key);
  return root_ / fs::path(std::string(key));
}

void FileStore::put(std::string_view key, std::string_view bytes) {
  const fs::path path = path_of(key);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) fail("cannot create", path.parent_path(), ec.value());

  static std::atomic<unsigned> counter{0};
  fs::path temporary = path;
  temporary +=
      std::string(kTemporaryMarker) + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", temporary, errno);
  try {
    if (const int error = pty::write_all(fd, bytes); error != 0)
      fail("cannot write", temporary, error);
    if (::fsync(fd) != 0) fail("cannot write", temporary, errno);
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    fail("cannot write", temporary, error);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    fail("cannot rename into", path, error);
  }
}

std::optional<std::string> FileStore::get(std::string_view key) {
  const fs::path path = path_of(key);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    fail("cannot read", path, errno);
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) fail("cannot read", path, errno);
  return std::move(bytes).str();
}

std::optional<ObjectInfo> FileStore::head(std::string_view key) {
  const fs::path path = path_of(key);
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::is_regular_file(status)) return std::nullopt;
  const auto size = fs::file_size(path, ec);
  const auto time = fs::last_write_time(path, ec);
  if (ec) fail("cannot stat", path, ec.value());
  return ObjectInfo{std::string(key), size, to_system_clock(time)};
}

std::vector<ObjectInfo> FileStore::list(std::string_view prefix) {
  std::vector<ObjectInfo> objects;
  std::error_code ec;
  if (!fs::exists(root_, ec)) return objects;
  for (auto it = fs::recursive_directory_iterator(root_, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string key = it->path().lexically_relative(root_).generic_string();
    if (!key.starts_with(prefix) || key.find(kTemporaryMarker) != std::string::npos) continue;
    objects.push_back(ObjectInfo{key, it->file_size(), to_system_clock(it->last_write_time())});
  }
  if (ec) fail("cannot list", root_, ec.value());
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return objects;
}

void FileStore::remove(std::string_view key) {
  const fs::path path = path_of(key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
    fail("cannot remove", path, errno);
  }
}

std::string FileStore::url() const { return "file://" + fs::absolute(root_).string(); }

}  // namespace store
