#pragma once
// FileStore writes every object to a temporary beside its final name,
// KEY.cah-tmp-PID-N, and renames it into place. The PID in the name lets a
// later process tell a temporary whose writer was killed from one still
// being written. N counts up from a random start and the file is created
// exclusively (O_EXCL, no link followed); a taken name is skipped.

#include <filesystem>
#include <string>
#include <string_view>

#include "util/fd.h"

namespace store {

/// No key may contain this: it marks temporaries, which list() never shows.
inline constexpr std::string_view kTemporaryMarker = ".cah-tmp-";

/// A temporary file for `target`, open for writing; unlinked when destroyed
/// unless published. The directory of `target` must exist.
class TemporaryFile {
 public:
  /// Throws StoreError.
  explicit TemporaryFile(std::filesystem::path target);
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() { discard(); }

  /// Writes all of `bytes`. Throws StoreError.
  void write(std::string_view bytes);
  /// fsyncs and renames onto the target. Throws StoreError; either way the
  /// temporary is gone afterwards.
  void publish();
  /// Unlinks the temporary, if it is still there.
  void discard() noexcept;

 private:
  [[noreturn]] void discard_and_fail(const std::string& what, const std::filesystem::path& path,
                                     int error);

  std::filesystem::path target_;
  std::filesystem::path path_;  // empty once published or discarded
  unsigned number_;
  util::Fd fd_;
};

/// Whether `file_name` is exactly a temporary's name (KEY.cah-tmp-PID-N) and
/// its writer is gone: process PID is dead, or PID is this process and no
/// TemporaryFile of it has that name. A live PID of another process is
/// trusted to be the writer.
bool is_abandoned_temporary(std::string_view file_name);

}  // namespace store
