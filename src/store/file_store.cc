#include "store/file_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "store/temporary_file.h"
#include "util/fd.h"

namespace store {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& what, const fs::path& path, int error) {
  throw StoreError(what + " " + path.string() + ": " + std::strerror(error));
}

/// A file's modification time; head() and list() must agree to the tick.
std::chrono::system_clock::time_point modified_time(const struct stat& status) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(status.st_mtim.tv_sec) +
          std::chrono::nanoseconds(status.st_mtim.tv_nsec)));
}

/// Calls `visit(entry, key)` for every regular file under `root` whose key
/// (its path under the root) starts with `prefix`, temporaries included.
template <typename Visit>
void for_each_file(const fs::path& root, std::string_view prefix, Visit visit) {
  std::error_code ec;
  // Only the folder the prefix names is walked: listing T/raw/ must not
  // visit every page and record beside it.
  const fs::path start = root / std::string(prefix.substr(0, prefix.rfind('/') + 1));
  if (!fs::is_directory(start, ec)) return;
  for (auto it = fs::recursive_directory_iterator(start, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string key = it->path().lexically_relative(root).generic_string();
    if (key.starts_with(prefix)) visit(*it, key);
  }
  if (ec) fail("cannot list", root, ec.value());
}

// Small writes gather here so that a log arriving a line at a time costs one
// write(2) per 64 KiB; bigger ones go straight to the file.
constexpr size_t kBufferSize = 64 * size_t{1024};

class FileObjectWriter final : public ObjectWriter {
 public:
  explicit FileObjectWriter(fs::path path) : temporary_(std::move(path)) {
    buffer_.reserve(kBufferSize);
  }
  FileObjectWriter(const FileObjectWriter&) = delete;
  FileObjectWriter& operator=(const FileObjectWriter&) = delete;
  ~FileObjectWriter() override { abort(); }

  void write(std::string_view bytes) override {
    check_open("write");
    if (buffer_.size() + bytes.size() > kBufferSize) {
      flush();
      if (bytes.size() >= kBufferSize) {
        temporary_write(bytes);
        bytes_written_ += bytes.size();
        return;
      }
    }
    buffer_.append(bytes);
    bytes_written_ += bytes.size();
  }

  void commit() override {
    check_open("commit");
    flush();
    state_ = State::kCommitted;
    try {
      temporary_.publish();
    } catch (...) {
      state_ = State::kAborted;
      throw;
    }
  }

  void abort() noexcept override {
    if (state_ != State::kOpen) return;
    state_ = State::kAborted;
    temporary_.discard();
  }

  uint64_t bytes_written() const override { return bytes_written_; }

 private:
  enum class State { kOpen, kCommitted, kAborted };

  void check_open(const char* what) const {
    if (state_ == State::kOpen) return;
    throw std::logic_error(std::string("ObjectWriter::") + what + " after " +
                           (state_ == State::kCommitted ? "commit" : "abort or a failure"));
  }

  void flush() {
    temporary_write(buffer_);
    buffer_.clear();
  }

  // TemporaryFile discards itself when a write fails; so does the writer.
  void temporary_write(std::string_view bytes) {
    try {
      temporary_.write(bytes);
    } catch (...) {
      state_ = State::kAborted;
      throw;
    }
  }

  TemporaryFile temporary_;
  std::string buffer_;
  uint64_t bytes_written_ = 0;
  State state_ = State::kOpen;
};

}  // namespace

FileStore::FileStore(fs::path root) : root_(std::move(root)) {}

fs::path FileStore::path_of(std::string_view key) const {
  check_key(key);
  if (key.find(kTemporaryMarker) != std::string_view::npos) {
    throw StoreError("bad store key '" + std::string(key) + "': '" + std::string(kTemporaryMarker) +
                     "' marks the store's temporary files");
  }
  return root_ / fs::path(std::string(key));
}

std::unique_ptr<ObjectWriter> FileStore::do_open_writer(std::string_view key,
                                                        std::string_view /*content_type*/) {
  const fs::path path = path_of(key);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) fail("cannot create", path.parent_path(), ec.value());
  return std::make_unique<FileObjectWriter>(path);
}

std::optional<std::string> FileStore::get(std::string_view key) {
  const fs::path path = path_of(key);
  util::Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    fail("cannot read", path, errno);
  }
  struct stat status {};
  if (::fstat(file.get(), &status) != 0) fail("cannot read", path, errno);
  // A folder where an object should be is not an empty object.
  if (S_ISDIR(status.st_mode)) fail("cannot read", path, EISDIR);
  std::string bytes;
  bytes.reserve(static_cast<size_t>(std::max<off_t>(status.st_size, 0)));
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(file.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read", path, errno);
    if (n == 0) return bytes;
    bytes.append(buffer, static_cast<size_t>(n));
  }
}

bool FileStore::read(std::string_view key, const std::function<void(std::string_view)>& sink) {
  const fs::path path = path_of(key);
  util::Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    fail("cannot read", path, errno);
  }
  std::vector<char> buffer(size_t{1} << 20);
  for (;;) {
    const ssize_t n = ::read(file.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read", path, errno);
    if (n == 0) return true;
    sink(std::string_view(buffer.data(), static_cast<size_t>(n)));
  }
}

std::optional<ObjectInfo> FileStore::head(std::string_view key) {
  const fs::path path = path_of(key);
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    fail("cannot stat", path, errno);
  }
  if (!S_ISREG(status.st_mode)) return std::nullopt;
  return ObjectInfo{std::string(key), static_cast<uint64_t>(status.st_size), modified_time(status)};
}

std::vector<ObjectInfo> FileStore::list(std::string_view prefix) {
  // A prefix is a key's beginning: "T/../" must not list beside the root.
  if (const std::string_view folder = prefix.substr(0, prefix.rfind('/') + 1); !folder.empty()) {
    check_key(folder.substr(0, folder.size() - 1));
  }
  std::vector<ObjectInfo> objects;
  for_each_file(root_, prefix, [&](const fs::directory_entry& file, const std::string& key) {
    if (key.find(kTemporaryMarker) != std::string::npos) return;
    struct stat status {};
    if (::stat(file.path().c_str(), &status) != 0) return;  // removed meanwhile
    objects.push_back(
        ObjectInfo{key, static_cast<uint64_t>(status.st_size), modified_time(status)});
  });
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

size_t FileStore::remove_stale_temporaries(std::string_view prefix) {
  size_t removed = 0;
  for_each_file(root_, prefix, [&](const fs::directory_entry& file, const std::string&) {
    if (!is_abandoned_temporary(file.path().filename().native())) return;
    if (::unlink(file.path().c_str()) == 0) {
      ++removed;
    } else if (errno != ENOENT) {
      fail("cannot remove", file.path(), errno);
    }
  });
  return removed;
}

std::string FileStore::url() const { return "file://" + fs::absolute(root_).string(); }

}  // namespace store
