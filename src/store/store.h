#pragma once
// Store is where all state lives: logs, pages, results, the catalogue
// snapshot. Backends are picked by URL scheme, as ccache picks its remote
// storage; nothing above this interface knows which one it talks to.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace store {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::chrono::system_clock::time_point last_modified;
};

/// A failure of the store itself (unwritable directory, bad key, ...).
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The content types a sweep's objects are stored with: S3 gives them back
/// to browsers, so a page must be text/html and a log text/plain.
inline constexpr std::string_view kRawLogType = "text/plain; charset=utf-8";
inline constexpr std::string_view kHtmlType = "text/html; charset=utf-8";
inline constexpr std::string_view kJsonType = "application/json";
inline constexpr std::string_view kXzType = "application/x-xz";

/// An object being written piece by piece, for objects too big to hold in
/// memory (a build log of many gigabytes). Nothing is visible under the key
/// until commit(); a writer destroyed without commit() leaves neither an
/// object nor a temporary behind. A write() or commit() that throws leaves
/// the writer aborted. write() or commit() after commit() or abort() is a
/// logic error (std::logic_error). A writer must not outlive its Store.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;

  /// Appends `bytes`. Throws StoreError.
  virtual void write(std::string_view bytes) = 0;
  /// Publishes the object at once: readers see the old one or the new one,
  /// never a mix. Throws StoreError.
  virtual void commit() = 0;
  /// Drops what was written; an old object under the key stays. Does
  /// nothing once committed or aborted.
  virtual void abort() noexcept = 0;
  /// Bytes given to write() so far.
  virtual uint64_t bytes_written() const = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  /// Writes the whole object at once: readers see the old one or the new
  /// one, never a mix. `content_type` is a MIME type for backends that keep
  /// one (S3); empty means the backend's default.
  void put(std::string_view key, std::string_view bytes, std::string_view content_type = {});
  /// Starts an object written piece by piece; see ObjectWriter.
  std::unique_ptr<ObjectWriter> open_writer(std::string_view key,
                                            std::string_view content_type = {});
  /// The object's bytes, or nothing if there is no such key.
  virtual std::optional<std::string> get(std::string_view key) = 0;
  /// Streams the object to `sink` in chunks, for objects too big to hold
  /// (logs of gigabytes); false if there is no such key. The default reads
  /// it whole through get(); backends override it to stream.
  virtual bool read(std::string_view key, const std::function<void(std::string_view)>& sink);
  virtual std::optional<ObjectInfo> head(std::string_view key) = 0;
  /// Every object whose key starts with `prefix`, in key order.
  virtual std::vector<ObjectInfo> list(std::string_view prefix) = 0;
  /// Removes the object; removing a missing key is not an error.
  virtual void remove(std::string_view key) = 0;
  /// Removes what writers that died mid-write (SIGKILL, a lost machine) left
  /// under `prefix`, never touching a writer that is still open. Returns how
  /// many leftovers it removed.
  virtual size_t remove_stale_temporaries(std::string_view prefix) = 0;

  /// The store's URL, for messages ("file:///srv/results").
  virtual std::string url() const = 0;

 protected:
  /// open_writer() for a key that passed check_key(). Default arguments stay
  /// on the non-virtual wrappers, where every backend shares them.
  virtual std::unique_ptr<ObjectWriter> do_open_writer(std::string_view key,
                                                       std::string_view content_type) = 0;
};

/// `file://DIR`, a plain directory path, or `s3://BUCKET[/PREFIX]`. Throws
/// StoreError for a URL it cannot serve.
std::unique_ptr<Store> open_store(std::string_view url);

/// The store a command uses when none is given: ./results.
inline constexpr std::string_view kDefaultStore = "file://results";

/// Keys are relative, '/'-separated, without empty, "." or ".." parts, so
/// that every backend maps them to the same tree. Throws StoreError.
void check_key(std::string_view key);

}  // namespace store
