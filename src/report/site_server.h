#pragma once
// SiteServer serves the sites in a file:// store over HTTP as a bucket
// website serves them from S3: the same keys, the same content types, each
// tool's 403 page for a missing key. For reading results locally and for
// the browser tests; not for the open internet.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace report {

/// The content type a bucket website gives `key`, as the site writes it:
/// pages without an extension (T/logs/..., T/ub, T/403) are HTML, raw logs
/// are text.
std::string_view content_type_of(std::string_view key);

class SiteServer {
 public:
  /// Called once per answered request.
  using RequestLog =
      std::function<void(std::string_view method, std::string_view path, int status)>;

  /// Serves the store in `directory`. Throws std::runtime_error if it is not
  /// a directory.
  explicit SiteServer(const std::filesystem::path& directory, RequestLog log = nullptr);
  ~SiteServer();
  SiteServer(const SiteServer&) = delete;
  SiteServer& operator=(const SiteServer&) = delete;

  /// Listens on `address`:`port`, or on a free port if `port` is 0. Returns
  /// the port. Throws std::runtime_error.
  int bind(const std::string& address, int port);
  /// Answers requests until stop(); GET and HEAD only, several at a time.
  void run();
  /// Makes run() return, or return at once if it has not started yet; from
  /// any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace report
