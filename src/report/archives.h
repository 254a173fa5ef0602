#pragma once
// Every log of a tool in two downloads, for readers who want them all:
//   T/raw.tar.xz   T/raw/NAME/VERSION  as NAME/VERSION       (terminal bytes)
//   T/html.tar.xz  T/logs/NAME/VERSION as NAME/VERSION.html  (the pages)
// Each object streams from the store through libarchive into an
// ObjectWriter, so memory stays bounded whatever the sizes of the logs
// (small ones are read ahead, a bounded window of them).

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "store/read_ahead.h"
#include "store/store.h"

namespace report {

struct ArchiveOptions {
  /// xz's preset, 0-9. Logs are repetitive: -1 packs 40-50 MB/s on one
  /// core within about 25% of -6's size, with a 10 MiB encoder; -6 (xz's own
  /// default) runs at 1.5-2.5 MB/s with 94 MiB, too slow for a sweep's
  /// gigabytes. 9 needs 674 MiB.
  int xz_level = 1;
  /// liblzma encoder threads; each one adds about the memory of one more
  /// encoder.
  int xz_threads = 1;
  /// When set, an object that cannot be read is left out of its archive
  /// (cut where it failed, if it failed midway) and reported here with its
  /// key and why, instead of failing the archive.
  std::function<void(const std::string& key, const std::string& reason)> unreadable;
  /// Logs up to its max_object_bytes are read ahead, several at a time,
  /// while the one before is compressed; bigger ones stream.
  store::ReadAheadOptions read_ahead;
};

/// The content type of the archives, for stores that keep one (S3).
inline constexpr std::string_view kArchiveContentType = store::kXzType;

/// Writes T/raw.tar.xz and T/html.tar.xz, each published at once when
/// complete (the old one stays until then). A log replaced while it is
/// being archived keeps the size it was listed with: cut, or padded with
/// NULs; one removed meanwhile is left out. Throws store::StoreError, or
/// ArchiveError for libarchive's failures.
void write_archives(store::Store& store, std::string_view tool, const ArchiveOptions& options = {});

class ArchiveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace report
