#pragma once
// OutputFile is where a command writes a page: standard output for "-", the
// file itself for a device or pipe (/dev/null, a fifo), and otherwise a
// temporary with a unique name (.NAME.tmp-XXXXXX, made by mkostemp beside
// the target) renamed over the target once complete: a reader never sees
// half a page, a failed run leaves the old file alone, two writers at once
// leave one of their pages whole, and no link planted at a name is followed.

#include <string>
#include <string_view>

#include "util/fd.h"

namespace cli {

class OutputFile {
 public:
  /// Opens `path` ("-" or empty: standard output). Throws std::system_error.
  explicit OutputFile(std::string path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view bytes);
  /// Makes the output visible under its name; without it nothing replaces
  /// the target.
  void commit();

 private:
  std::string path_;
  std::string temporary_;  // empty when writing in place
  util::Fd owned_;
  int fd_ = -1;
  bool committed_ = false;
};

/// Writes all of `bytes` to `fd`, naming `what` in the error.
void write_all(int fd, std::string_view bytes, const std::string& what);

}  // namespace cli
