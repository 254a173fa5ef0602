#include "registry/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>

#include "registry/confined_dir.h"
#include "registry/entry_path.h"
#include "registry/fresh_directory.h"

namespace registry {
namespace {

std::string error_of(archive* reader) {
  const char* error = archive_error_string(reader);
  return error ? error : "unknown libarchive error";
}

/// libarchive could not read on: corrupt, truncated or not a gzip'd tar.
class BrokenArchive : public std::runtime_error {
 public:
  explicit BrokenArchive(archive* reader) : std::runtime_error(error_of(reader)) {}
};

/// The archive, read from a descriptor we opened: a file we cannot open is
/// our error to report, anything libarchive then fails on is the archive's.
class CrateReader {
 public:
  explicit CrateReader(const std::filesystem::path& crate_file)
      : file_(::open(crate_file.c_str(), O_RDONLY | O_CLOEXEC)), reader_(archive_read_new()) {
    if (!file_) throw std::system_error(errno, std::generic_category(), "cannot read it");
    if (!reader_) throw std::bad_alloc();
    // Only what cargo writes: no external decompressors, no other formats.
    archive_read_support_filter_gzip(reader_.get());
    archive_read_support_format_tar(reader_.get());
    if (archive_read_open_fd(reader_.get(), file_.get(), size_t{64} * 1024) != ARCHIVE_OK) {
      throw BrokenArchive(reader_.get());
    }
  }

  archive* get() const { return reader_.get(); }

 private:
  struct Free {
    void operator()(archive* reader) const { archive_read_free(reader); }
  };
  util::Fd file_;  // outlives reader_, which reads from it
  std::unique_ptr<archive, Free> reader_;
};

std::string name_of(archive_entry* entry) {
  // Names that are not valid in our locale come back only as UTF-8.
  const char* name = archive_entry_pathname(entry);
  if (!name) name = archive_entry_pathname_utf8(entry);
  return name ? name : "";
}

const char* special_file_kind(mode_t type) {
  switch (type) {
    case AE_IFCHR:
      return "character device";
    case AE_IFBLK:
      return "block device";
    case AE_IFIFO:
      return "fifo";
    case AE_IFSOCK:
      return "socket";
    default:
      return "entry of unknown type";
  }
}

void write_at(int fd, const void* bytes, size_t size, off_t offset) {
  const char* data = static_cast<const char*>(bytes);
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "cannot write");
    }
    data += n;
    size -= n;
    offset += n;
  }
}

/// Walks the archive's entries into ConfinedDirs, checking each first:
/// every entry lies below a top folder, and each top folder has its own
/// target that nothing may leave.
class Unpacker {
 public:
  /// A crate: its one top folder, whatever its name, goes to `target`.
  Unpacker(archive* reader, const std::filesystem::path& target, const UnpackLimits& limits)
      : reader_(reader), limits_(limits), crate_target_(target) {}
  /// A bundle: each top folder named in `targets` goes to its target.
  Unpacker(archive* reader, const std::map<std::string, std::filesystem::path>& targets,
           const UnpackLimits& limits)
      : reader_(reader), limits_(limits) {
    for (const auto& [top, target] : targets) dirs_.emplace(top, ConfinedDir(target));
  }

  void unpack_entry(archive_entry* entry) {
    if (++entries_ > limits_.max_entries) {
      throw std::runtime_error("the archive has more than " + std::to_string(limits_.max_entries) +
                               " entries");
    }
    auto [dir, path] = place_of(name_of(entry));
    mode_t type = archive_entry_filetype(entry);
    if (path.below.empty() && type != AE_IFDIR) throw std::runtime_error("not inside a top folder");
    if (const char* existing = archive_entry_hardlink(entry)) {
      link(*dir, path, existing);
      return;
    }
    switch (type) {
      case AE_IFDIR:
        dir->make_directory(path.below);
        break;
      case AE_IFREG:
        write_file(*dir, path, (archive_entry_perm(entry) & 0111) ? 0755 : 0644);
        break;
      case AE_IFLNK:
        symlink(*dir, path.below, archive_entry_symlink(entry));
        break;
      default:
        throw std::runtime_error(special_file_kind(type));
    }
  }

  /// A crate's top folder, once the archive is read; empty if it had no
  /// entries.
  const std::string& top() const { return top_; }

 private:
  std::pair<ConfinedDir*, EntryPath> place_of(const std::string& name) {
    EntryPath entry_path = parse_entry_path(name);
    if (crate_target_) {
      if (top_.empty()) {
        top_ = entry_path.top;
        dirs_.emplace(top_, ConfinedDir(*crate_target_));
      }
      if (entry_path.top != top_) {
        throw std::runtime_error("outside the top folder '" + top_ + "'");
      }
    }
    const auto dir = dirs_.find(entry_path.top);
    if (dir == dirs_.end()) throw std::runtime_error("outside the archive's top folders");
    return {&dir->second, std::move(entry_path)};
  }

  void write_file(ConfinedDir& dir, const EntryPath& path, mode_t mode) {
    util::Fd file = dir.create_file(path.below, mode);
    files_.insert({path.top, path.below});
    // Offsets, not a running position: a sparse entry's blocks skip holes,
    // and a hole counts against the limit like the bytes it reads as.
    uint64_t end = 0;
    for (;;) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int status = archive_read_data_block(reader_, &block, &size, &offset);
      if (status < ARCHIVE_WARN || offset < 0) throw BrokenArchive(reader_);
      uint64_t block_end = static_cast<uint64_t>(offset) + size;
      if (block_end > end) {
        add_bytes(block_end - end);
        end = block_end;
      }
      if (status == ARCHIVE_EOF) {
        // A sparse file's trailing hole shows only as the offset at its end.
        if (::ftruncate(file.get(), static_cast<off_t>(end)) < 0) {
          throw std::system_error(errno, std::generic_category(), "cannot write");
        }
        return;
      }
      write_at(file.get(), block, size, static_cast<off_t>(offset));
    }
  }

  void add_bytes(uint64_t bytes) {
    if (bytes > limits_.max_bytes - bytes_) {
      throw std::runtime_error("the archive unpacks to more than " +
                               std::to_string(limits_.max_bytes) + " bytes");
    }
    bytes_ += bytes;
  }

  static void symlink(ConfinedDir& dir, const RelativePath& path, const char* target) {
    if (!target) throw std::runtime_error("symlink without a target");
    if (!symlink_stays_inside(path, target)) {
      throw std::runtime_error("symlink to '" + std::string(target) +
                               "' leads outside its top folder");
    }
    dir.create_symlink(path, target);
  }

  void link(ConfinedDir& dir, const EntryPath& path, const std::string& existing_name) {
    EntryPath existing;
    try {
      existing = parse_entry_path(existing_name);
    } catch (const std::invalid_argument&) {
      existing = {};  // absolute or climbing: certainly not one of ours
    }
    if (existing.top != path.top || !files_.contains({existing.top, existing.below})) {
      throw std::runtime_error("hard link to '" + existing_name +
                               "', which is not an earlier file of its top folder");
    }
    dir.create_hard_link(path.below, existing.below);
    files_.insert({path.top, path.below});
  }

  archive* reader_;
  UnpackLimits limits_;
  /// A crate's target, given to the first top folder seen.
  std::optional<std::filesystem::path> crate_target_;
  std::map<std::string, ConfinedDir> dirs_;
  std::string top_;
  /// Regular files written so far (top folder, path below it): the only
  /// things a hard link may name.
  std::set<std::pair<std::string, RelativePath>> files_;
  uint64_t bytes_ = 0;
  uint64_t entries_ = 0;
};

/// Every entry of the archive, each error naming its entry.
void unpack_all(archive* reader, Unpacker& unpacker) {
  for (;;) {
    archive_entry* entry = nullptr;
    int status = archive_read_next_header(reader, &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) throw BrokenArchive(reader);
    try {
      unpacker.unpack_entry(entry);
    } catch (const BrokenArchive&) {
      throw;
    } catch (const std::exception& e) {
      bool local = dynamic_cast<const std::system_error*>(&e) != nullptr;
      throw UnpackError("entry '" + name_of(entry) + "': " + e.what(), local);
    }
  }
}

void unpack_entries(archive* reader, const std::filesystem::path& target,
                    const UnpackLimits& limits) {
  Unpacker unpacker(reader, target, limits);
  unpack_all(reader, unpacker);
  if (unpacker.top().empty()) throw std::runtime_error("no entries");
  if (!std::filesystem::exists(target / "Cargo.toml")) {
    throw std::runtime_error("no " + unpacker.top() + "/Cargo.toml");
  }
}

/// An uncompressed tar read through a ChunkReader. An exception the reader
/// throws is kept, to be thrown again as it was once libarchive gives up.
class StreamReader {
 public:
  explicit StreamReader(const ChunkReader& read) : read_(read), reader_(archive_read_new()) {
    if (!reader_) throw std::bad_alloc();
    archive_read_support_format_tar(reader_.get());
    if (archive_read_open(reader_.get(), this, nullptr, &StreamReader::read_callback, nullptr) !=
        ARCHIVE_OK) {
      rethrow_failure();
      throw BrokenArchive(reader_.get());
    }
  }

  archive* get() const { return reader_.get(); }
  /// The reader's own exception, if it threw one.
  void rethrow_failure() const {
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  static la_ssize_t read_callback(archive* reader, void* self, const void** buffer) {
    auto* stream = static_cast<StreamReader*>(self);
    try {
      const std::string_view chunk = stream->read_();
      *buffer = chunk.data();
      return static_cast<la_ssize_t>(chunk.size());
    } catch (...) {
      stream->failure_ = std::current_exception();
      archive_set_error(reader, EIO, "the stream broke off");
      return ARCHIVE_FATAL;
    }
  }

  struct Free {
    void operator()(archive* reader) const { archive_read_free(reader); }
  };
  const ChunkReader& read_;
  std::exception_ptr failure_;
  std::unique_ptr<archive, Free> reader_;
};

}  // namespace

void unpack_crate(const std::filesystem::path& crate_file, const std::filesystem::path& target,
                  const UnpackLimits& limits) {
  const std::string prefix = "cannot unpack " + crate_file.string() + ": ";
  try {
    CrateReader reader(crate_file);
    FreshDirectory directory(target);
    unpack_entries(reader.get(), target, limits);
    directory.keep();
  } catch (const BrokenArchive& e) {
    throw UnpackError(prefix + "broken archive: " + e.what());
  } catch (const UnpackError& e) {
    throw UnpackError(prefix + e.what(), e.local_failure());
  } catch (const std::system_error& e) {
    throw UnpackError(prefix + e.what(), true);
  } catch (const std::exception& e) {
    throw UnpackError(prefix + e.what());
  }
}

void unpack_tar_stream(const ChunkReader& read,
                       const std::map<std::string, std::filesystem::path>& targets,
                       const UnpackLimits& limits) {
  const std::string prefix = "cannot unpack the files: ";
  std::optional<StreamReader> reader;
  try {
    reader.emplace(read);
    std::vector<std::unique_ptr<FreshDirectory>> directories;
    directories.reserve(targets.size());
    for (const auto& [top, target] : targets) {
      directories.push_back(std::make_unique<FreshDirectory>(target));
    }
    Unpacker unpacker(reader->get(), targets, limits);
    unpack_all(reader->get(), unpacker);
    for (auto& directory : directories) directory->keep();
  } catch (const BrokenArchive& e) {
    if (reader) reader->rethrow_failure();
    throw UnpackError(prefix + "broken archive: " + e.what());
  } catch (const UnpackError& e) {
    if (reader) reader->rethrow_failure();
    throw UnpackError(prefix + e.what(), e.local_failure());
  } catch (const std::system_error& e) {
    throw UnpackError(prefix + e.what(), true);
  }
}

}  // namespace registry
