#include "cli/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace cli {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
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
  if (!in_place) temporary_ = path_ + ".tmp";
  const std::string& name = in_place ? path_ : temporary_;
  const int flags = O_WRONLY | O_CLOEXEC | (in_place ? 0 : O_CREAT | O_TRUNC);
  owned_.reset(::open(name.c_str(), flags, 0644));
  if (!owned_) fail("cannot create " + name);
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
