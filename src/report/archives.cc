#include "report/archives.h"

#include <archive.h>
#include <archive_entry.h>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace report {

namespace {

struct ArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

/// One .tar.xz object being written: libarchive's output goes to an
/// ObjectWriter through a write callback, a block at a time.
class TarXzObject {
 public:
  TarXzObject(store::Store& store, const std::string& key, const ArchiveOptions& options)
      : writer_(store.open_writer(key, kArchiveContentType)), archive_(archive_write_new()) {
    if (!archive_) throw ArchiveError("libarchive: out of memory");
    archive* a = archive_.get();
    // pax only where ustar cannot say it: long or non-ASCII names.
    check(archive_write_set_format_pax_restricted(a));
    check(archive_write_add_filter_xz(a));
    check(archive_write_set_filter_option(a, "xz", "compression-level",
                                          std::to_string(options.xz_level).c_str()));
    if (options.xz_threads > 1) {
      check(archive_write_set_filter_option(a, "xz", "threads",
                                            std::to_string(options.xz_threads).c_str()));
    }
    check(archive_write_set_bytes_per_block(a, 64 * 1024));
    // No padding after the compressed stream.
    check(archive_write_set_bytes_in_last_block(a, 1));
    check(archive_write_open(a, this, nullptr, &TarXzObject::write_callback, nullptr));
  }
  TarXzObject(const TarXzObject&) = delete;
  TarXzObject& operator=(const TarXzObject&) = delete;
  ~TarXzObject() {
    // Unfinished: drop the object before libarchive flushes its last block.
    if (!committed_) writer_->abort();
  }

  /// Appends `object` as `name`, its bytes given by `read` (Store::read's
  /// shape: false when the object is gone). The entry's header goes out
  /// with the first bytes read, so an object that cannot be opened or was
  /// removed leaves no entry. Throws store::StoreError for a read that
  /// failed, after finishing the entry if it had begun.
  void add(const store::ObjectInfo& object, const std::string& name,
           const std::function<bool(const std::function<void(std::string_view)>&)>& read) {
    archive* a = archive_.get();
    bool started = false;
    const auto start = [&] {
      const std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
      archive_entry_copy_pathname(entry.get(), name.c_str());
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), 0644);
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(object.size));
      archive_entry_set_mtime(entry.get(),
                              std::chrono::system_clock::to_time_t(object.last_modified), 0);
      check(archive_write_header(a, entry.get()));
      started = true;
    };
    uint64_t remaining = object.size;
    bool found = false;
    try {
      found = read([&](std::string_view chunk) {
        if (!started) start();
        chunk = chunk.substr(0, remaining);
        while (!chunk.empty()) {
          const la_ssize_t n = archive_write_data(a, chunk.data(), chunk.size());
          if (n <= 0) check(ARCHIVE_FATAL);
          chunk.remove_prefix(static_cast<size_t>(n));
          remaining -= static_cast<uint64_t>(n);
        }
      });
    } catch (const store::StoreError&) {
      if (write_error_) throw;  // the archive's own object, not this one
      // A shorter entry is padded with NULs.
      if (started) check(archive_write_finish_entry(a));
      throw;
    }
    if (!found) return;     // removed since the listing
    if (!started) start();  // an empty object
    // A shorter object (replaced since it was listed) is padded with NULs.
    check(archive_write_finish_entry(a));
  }

  /// The archive's own object could not be written.
  bool write_failed() const { return write_error_ != nullptr; }

  void commit() {
    check(archive_write_close(archive_.get()));
    writer_->commit();
    committed_ = true;
  }

 private:
  static la_ssize_t write_callback(archive* a, void* self, const void* buffer, size_t length) {
    auto* tar = static_cast<TarXzObject*>(self);
    // No exception may cross libarchive's C frames: keep it for check().
    try {
      tar->writer_->write(std::string_view(static_cast<const char*>(buffer), length));
      return static_cast<la_ssize_t>(length);
    } catch (...) {
      tar->write_error_ = std::current_exception();
      archive_set_error(a, EIO, "cannot write to the store");
      return -1;
    }
  }

  void check(int status) {
    if (status == ARCHIVE_OK || status == ARCHIVE_WARN) return;
    if (write_error_) std::rethrow_exception(write_error_);
    const char* message = archive_error_string(archive_.get());
    throw ArchiveError(std::string("libarchive: ") + (message ? message : "unknown error"));
  }

  std::unique_ptr<store::ObjectWriter> writer_;
  std::unique_ptr<archive, ArchiveFree> archive_;
  std::exception_ptr write_error_;
  bool committed_ = false;
};

void write_archive(store::Store& store, const std::string& prefix, const std::string& key,
                   std::string_view suffix, const ArchiveOptions& options) {
  TarXzObject tar(store, key, options);
  const std::vector<store::ObjectInfo> objects = store.list(prefix);
  std::vector<store::WantedObject> wanted;
  wanted.reserve(objects.size());
  for (const store::ObjectInfo& object : objects) wanted.push_back({object.key, object.size});
  // Small logs come from the read-ahead, big ones stream from the store.
  store::ReadAhead ahead(store, std::move(wanted), options.read_ahead);
  for (const store::ObjectInfo& object : objects) {
    try {
      tar.add(object, object.key.substr(prefix.size()) + std::string(suffix),
              [&](const std::function<void(std::string_view)>& sink) {
                const store::ReadAhead::Object taken = ahead.take();
                if (!taken.read) return store.read(object.key, sink);
                if (taken.bytes) sink(*taken.bytes);
                return taken.bytes.has_value();
              });
    } catch (const store::StoreError& e) {
      if (!options.unreadable || tar.write_failed()) throw;
      options.unreadable(object.key, e.what());
    }
  }
  tar.commit();
}

}  // namespace

void write_archives(store::Store& store, std::string_view tool, const ArchiveOptions& options) {
  const std::string root(tool);
  write_archive(store, root + "/raw/", root + "/raw.tar.xz", "", options);
  write_archive(store, root + "/logs/", root + "/html.tar.xz", ".html", options);
}

}  // namespace report
