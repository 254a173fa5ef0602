#include "cli/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>
#include <system_error>

namespace cli {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

/// The process's umask, read without changing it (umask() would, for
/// every thread, for a moment).
mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("Umask:"))
      return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  }
  return 022;
}

}  // namespace

void write_all(int fd, std::string_view bytes, const std::string& what) {
  if (const int error = util::write_all(fd, bytes); error != 0) {
    throw std::system_error(error, std::generic_category(), "cannot write " + what);
  }
}

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (path_.empty() || path_ == "-") {
    path_ = "standard output";
    fd_ = STDOUT_FILENO;
    return;
  }
  struct stat st {};
  const bool in_place = ::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
  if (in_place) {
    owned_.reset(::open(path_.c_str(), O_WRONLY | O_CLOEXEC));
    if (!owned_) fail("cannot open " + path_);
  } else {
    // A new name nobody can guess, created exclusively beside the target
    // (so the rename stays in one file system): a link planted at a
    // predictable name is never followed, and two writers never share one.
    const size_t slash = path_.rfind('/');
    const std::string folder = slash == std::string::npos ? "" : path_.substr(0, slash + 1);
    const std::string base = slash == std::string::npos ? path_ : path_.substr(slash + 1);
    temporary_ = folder + "." + base + ".tmp-XXXXXX";
    owned_.reset(::mkostemp(temporary_.data(), O_CLOEXEC));
    if (!owned_) {
      const int error = errno;
      const std::string name = temporary_;
      temporary_.clear();
      errno = error;
      fail("cannot create " + name);
    }
    // mkostemp makes it 0600; a page is as readable as any file the user
    // creates.
    ::fchmod(owned_.get(), 0644 & ~current_umask());
  }
  fd_ = owned_.get();
}

OutputFile::~OutputFile() {
  if (!temporary_.empty() && !committed_) ::unlink(temporary_.c_str());
}

void OutputFile::write(std::string_view bytes) {
  write_all(fd_, bytes, temporary_.empty() ? path_ : temporary_);
}

void OutputFile::commit() {
  if (owned_) {
    // close() can report a failed write-back (a full disk over NFS).
    if (::close(owned_.release()) < 0) fail("cannot write " + path_);
  }
  if (!temporary_.empty() && ::rename(temporary_.c_str(), path_.c_str()) < 0) {
    fail("cannot rename " + temporary_ + " to " + path_);
  }
  committed_ = true;
}

}  // namespace cli
