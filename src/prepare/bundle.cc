#include "prepare/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <stdexcept>
#include <system_error>

#include "agent/job.h"
#include "util/fd.h"

namespace prepare {
namespace {

namespace fs = std::filesystem;

/// The cache's own bookkeeping in a package's folder: not the package's.
constexpr const char* kCacheBytes = ".cah-bytes";

struct FreeWriter {
  void operator()(archive* writer) const { archive_write_free(writer); }
};
struct FreeEntry {
  void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};

class TarWriter {
 public:
  explicit TarWriter(const fs::path& file) : writer_(archive_write_new()) {
    if (!writer_) throw std::bad_alloc();
    // pax only where ustar cannot say it (long names, big files).
    archive_write_set_format_pax_restricted(writer_.get());
    archive_write_set_bytes_in_last_block(writer_.get(), 1);
    check(archive_write_open_filename(writer_.get(), file.c_str()), file);
  }

  /// `name` in the tar, from `path` on disk.
  void add(const std::string& name, const fs::path& path) {
    struct stat status {};
    if (lstat(path.c_str(), &status) != 0) {
      throw std::system_error(errno, std::generic_category(), "cannot read " + path.string());
    }
    const std::unique_ptr<archive_entry, FreeEntry> entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_mtime(entry.get(), status.st_mtime, 0);
    if (S_ISDIR(status.st_mode)) {
      archive_entry_set_filetype(entry.get(), AE_IFDIR);
      archive_entry_set_perm(entry.get(), 0755);
      check(archive_write_header(writer_.get(), entry.get()), path);
    } else if (S_ISLNK(status.st_mode)) {
      archive_entry_set_filetype(entry.get(), AE_IFLNK);
      archive_entry_set_perm(entry.get(), 0777);
      archive_entry_set_symlink(entry.get(), fs::read_symlink(path).c_str());
      check(archive_write_header(writer_.get(), entry.get()), path);
    } else if (S_ISREG(status.st_mode)) {
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), (status.st_mode & 0111) != 0 ? 0755 : 0644);
      archive_entry_set_size(entry.get(), status.st_size);
      check(archive_write_header(writer_.get(), entry.get()), path);
      copy_contents(path, static_cast<uint64_t>(status.st_size));
    } else {
      throw std::runtime_error(path.string() + " is neither a file, a folder nor a symlink");
    }
  }

  void close(const fs::path& file) { check(archive_write_close(writer_.get()), file); }

 private:
  void check(int status, const fs::path& path) const {
    if (status < ARCHIVE_WARN) {
      const char* error = archive_error_string(writer_.get());
      throw std::runtime_error("cannot bundle " + path.string() + ": " +
                               (error != nullptr ? error : "libarchive failed"));
    }
  }

  void copy_contents(const fs::path& path, uint64_t size) {
    const util::Fd file(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!file) {
      throw std::system_error(errno, std::generic_category(), "cannot read " + path.string());
    }
    std::array<char, size_t{256} * 1024> buffer;
    uint64_t copied = 0;
    while (copied < size) {
      const ssize_t n = read(file.get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        throw std::system_error(errno, std::generic_category(), "cannot read " + path.string());
      }
      if (n == 0) throw std::runtime_error(path.string() + " shrank while it was bundled");
      const size_t take = std::min<uint64_t>(static_cast<uint64_t>(n), size - copied);
      if (archive_write_data(writer_.get(), buffer.data(), take) != static_cast<la_ssize_t>(take)) {
        check(ARCHIVE_FATAL, path);
      }
      copied += take;
    }
  }

  std::unique_ptr<archive, FreeWriter> writer_;
};

/// `dir` and everything below it as TOP/..., in name order.
void add_tree(TarWriter& tar, const std::string& top, const fs::path& dir, bool package) {
  std::vector<fs::path> paths;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    if (package && it.depth() == 0 && it->path().filename() == kCacheBytes) continue;
    paths.push_back(it->path());
  }
  std::sort(paths.begin(), paths.end());
  tar.add(top, dir);
  for (const fs::path& path : paths) {
    tar.add(top + "/" + path.lexically_relative(dir).generic_string(), path);
  }
}

}  // namespace

uint64_t write_bundle(const fs::path& source, const std::vector<BundlePackage>& packages,
                      const fs::path& file) {
  const fs::path part = file.string() + ".part";
  try {
    TarWriter tar(part);
    add_tree(tar, agent::kInlineSourceTop, source, false);
    tar.add(agent::kInlineDepsTop, source);  // a folder, as the tar's second top
    for (const BundlePackage& package : packages) {
      add_tree(tar, std::string(agent::kInlineDepsTop) + "/" + package.folder, package.path, true);
    }
    tar.close(part);
    fs::rename(part, file);
  } catch (...) {
    std::error_code ignored;
    fs::remove(part, ignored);
    throw;
  }
  return fs::file_size(file);
}

}  // namespace prepare
