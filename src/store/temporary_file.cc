#include "store/temporary_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <set>

#include "store/store.h"

namespace store {

namespace fs = std::filesystem;

namespace {

StoreError failure(const std::string& what, const fs::path& path, int error) {
  return StoreError{what + " " + path.string() + ": " + std::strerror(error)};
}

// The N of every temporary this process has open, so that cleaning up never
// takes a live one, even when a restarted process got the PID of the one
// that was killed (PID 1 in a container, every time).
class OpenTemporaries {
 public:
  void add(unsigned number) {
    const std::lock_guard lock(mutex_);
    numbers_.insert(number);
  }
  void erase(unsigned number) {
    const std::lock_guard lock(mutex_);
    numbers_.erase(number);
  }
  bool contains(unsigned number) {
    const std::lock_guard lock(mutex_);
    return numbers_.contains(number);
  }

 private:
  std::mutex mutex_;
  std::set<unsigned> numbers_;
};

OpenTemporaries& open_temporaries() {
  static OpenTemporaries temporaries;
  return temporaries;
}

// Digits only, as std::to_string writes them: no sign, no leading zero.
template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text[0] == '0') || text[0] < '0' || text[0] > '9') {
    return std::nullopt;
  }
  Number number{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return number;
}

unsigned random_start() {
  unsigned number = 0;
  if (::getrandom(&number, sizeof number, 0) != sizeof number) {
    number = static_cast<unsigned>(std::random_device{}());
  }
  return number;
}

}  // namespace

TemporaryFile::TemporaryFile(fs::path target) : target_(std::move(target)) {
  // N starts at a random number, so nobody can plant a file or a link at
  // the next name; O_EXCL never follows one, and a name that is taken is
  // skipped.
  static std::atomic<unsigned> counter{random_start()};
  constexpr int kAttempts = 64;
  for (int attempt = 0;; ++attempt) {
    number_ = counter++;
    path_ = target_;
    path_ +=
        std::string(kTemporaryMarker) + std::to_string(::getpid()) + "-" + std::to_string(number_);
    // Registered before the file exists, so no cleanup can see it unregistered.
    open_temporaries().add(number_);
    fd_.reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (fd_) return;
    const int error = errno;
    open_temporaries().erase(number_);
    if (error != EEXIST || attempt + 1 == kAttempts) {
      const fs::path failed = path_;
      path_.clear();
      throw failure("cannot create", failed, error);
    }
  }
}

void TemporaryFile::write(std::string_view bytes) {
  if (const int error = util::write_all(fd_.get(), bytes); error != 0) {
    discard_and_fail("cannot write", path_, error);
  }
}

void TemporaryFile::publish() {
  if (::fsync(fd_.get()) != 0) discard_and_fail("cannot write", path_, errno);
  if (::close(fd_.release()) != 0) discard_and_fail("cannot write", path_, errno);
  if (::rename(path_.c_str(), target_.c_str()) != 0) {
    discard_and_fail("cannot rename into", target_, errno);
  }
  path_.clear();
  open_temporaries().erase(number_);
}

void TemporaryFile::discard() noexcept {
  if (path_.empty()) return;
  fd_.reset();
  ::unlink(path_.c_str());
  path_.clear();
  open_temporaries().erase(number_);
}

void TemporaryFile::discard_and_fail(const std::string& what, const fs::path& path, int error) {
  StoreError error_to_throw = failure(what, path, error);  // before discard() clears path_
  discard();
  throw error_to_throw;
}

bool is_abandoned_temporary(std::string_view file_name) {
  const size_t marker = file_name.rfind(kTemporaryMarker);
  if (marker == 0 || marker == std::string_view::npos) return false;
  const std::string_view suffix = file_name.substr(marker + kTemporaryMarker.size());
  const size_t dash = suffix.find('-');
  if (dash == std::string_view::npos) return false;
  const auto pid = parse_number<pid_t>(suffix.substr(0, dash));
  const auto number = parse_number<unsigned>(suffix.substr(dash + 1));
  if (!pid || *pid <= 0 || !number) return false;
  if (*pid == ::getpid()) return !open_temporaries().contains(*number);
  // EPERM: alive, just not ours to signal.
  return ::kill(*pid, 0) != 0 && errno == ESRCH;
}

}  // namespace store
