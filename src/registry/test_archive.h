#pragma once
// Tests build their .crate files entry by entry with libarchive's writer:
// hostile ones (names that climb out, devices, links) and good ones made
// from real crates. No binary blobs in the repository.

#include <archive.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace registry::testing {

class TarGzWriter {
 public:
  /// Starts a pax archive at `file`, gzip'd unless `gzip` is false (an
  /// inline job's files are a plain tar).
  explicit TarGzWriter(const std::filesystem::path& file, bool gzip = true);
  ~TarGzWriter();
  TarGzWriter(const TarGzWriter&) = delete;
  TarGzWriter& operator=(const TarGzWriter&) = delete;

  void add_file(const std::string& name, std::string_view contents, mode_t mode = 0644);
  void add_directory(const std::string& name, mode_t mode = 0755);
  void add_symlink(const std::string& name, const std::string& target);
  void add_hard_link(const std::string& name, const std::string& existing);
  /// A device, fifo or the like: `type` is AE_IFCHR, AE_IFBLK, AE_IFIFO.
  void add_special(const std::string& name, mode_t type);
  /// A sparse file: `data` at offset 0, then a hole up to `apparent_size`.
  void add_sparse_file(const std::string& name, std::string_view data, size_t apparent_size);
  /// Finishes the archive; the destructor does it if not called.
  void close();

 private:
  archive* writer_;
  bool closed_ = false;
};

/// Packs `dir`'s files, folders and symlinks under the folder `top`, as
/// `cargo package` does with NAME-VERSION.
void write_crate(const std::filesystem::path& dir, const std::string& top,
                 const std::filesystem::path& crate_file);

}  // namespace registry::testing
