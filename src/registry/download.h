#pragma once
// Downloading one file with libcurl (https://, http://, file://). The file
// appears under its name complete or not at all, and failures that may pass
// (no connection, a timeout, a busy server) are tried again.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace registry {

struct DownloadOptions {
  /// Tries in all when a failure may pass: no connection, a timeout, a
  /// dropped transfer, HTTP 408, 429 or 5xx. Other failures are final.
  int attempts = 4;
  /// The wait before the second try, doubled before each further one; a
  /// server's Retry-After (up to a minute) makes it longer.
  std::chrono::milliseconds first_delay{1000};
  std::chrono::milliseconds connect_timeout{10'000};
  /// A transfer slower than low_speed_bytes per second for low_speed_time
  /// is abandoned (and tried again): a stalled server must not hang a sweep.
  long low_speed_bytes = 1000;
  std::chrono::seconds low_speed_time{30};
  /// Larger files are refused. crates.io's limit for a crate is 10 MB, with
  /// a few exceptions granted far above it.
  uint64_t max_bytes = 1'000'000'000;
};

/// what() reads "cannot download URL: 404 Not Found", or names curl's error,
/// and says "(after N tries)" when it was tried more than once.
class DownloadError : public std::runtime_error {
 public:
  DownloadError(const std::string& message, long status, bool not_found);
  /// The HTTP status of the last try; 0 if there was no HTTP response.
  long status() const { return status_; }
  /// The server has no such file (404, 410), or a file:// path is missing.
  bool not_found() const { return not_found_; }

 private:
  long status_;
  bool not_found_;
};

/// Fetches `url` into `to`, through `to` + ".tmp", which is renamed into
/// place once complete and removed on any failure. Redirects are followed,
/// to http(s) only. Throws DownloadError.
void download(const std::string& url, const std::filesystem::path& to,
              const DownloadOptions& options = {});

/// "crater-at-home/VERSION (CONTACT)", CONTACT from the environment's
/// CAH_CONTACT: crates.io asks crawlers to say whom to contact.
std::string user_agent();

}  // namespace registry
