#pragma once
// SiteServer serves the sites in a file:// store over HTTP as a bucket
// website serves them from S3: the same keys, the same content types, each
// tool's 403 page for a missing key. For reading results locally and for
// the browser tests. One thread polls every connection, so slow or idle
// clients hold no thread; each connection answers one request and closes
// (see Limits for what a client may send).

#include <cstddef>
#include <cstdint>
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

/// `text` with control bytes, DEL, non-ASCII bytes and backslashes
/// written as \xHH: a request path as it may go to a log or a terminal.
std::string escape_for_log(std::string_view text);

/// What to send for a Range header on an object of `size` bytes: the whole
/// object for anything but one well-formed byte range (several ranges
/// included), else that part, or 416 if it starts past the end.
struct RangeAnswer {
  enum Kind { kWhole, kPart, kUnsatisfiable } kind;
  uint64_t first = 0;
  uint64_t last = 0;  ///< inclusive
};
RangeAnswer answer_range(std::string_view header, uint64_t size);

/// What a client of SiteServer may send and how long it may take; the defaults suit
/// `serve` on a network.
struct ServerLimits {
  /// The request line and headers, in bytes; more is answered 431.
  size_t max_header_bytes = size_t{16} * 1024;
  /// Header lines; more is answered 431.
  size_t max_header_count = 100;
  /// Open connections; one more closes the oldest that is still sending
  /// its request.
  size_t max_connections = 512;
  /// From accepting a connection to the end of its headers.
  int request_timeout_ms = 10'000;
  /// Without a byte of the answer taken by the client.
  int send_timeout_ms = 30'000;
};

class SiteServer {
 public:
  using Limits = ServerLimits;
  /// Called once per answered request; `method` and `path` are escaped with
  /// escape_for_log.
  using RequestLog =
      std::function<void(std::string_view method, std::string_view path, int status)>;

  /// Serves the store in `directory`. Throws std::runtime_error if it is not
  /// a directory.
  explicit SiteServer(const std::filesystem::path& directory, RequestLog log = nullptr,
                      Limits limits = {});
  ~SiteServer();
  SiteServer(const SiteServer&) = delete;
  SiteServer& operator=(const SiteServer&) = delete;

  /// Listens on `address`:`port`, or on a free port if `port` is 0. Returns
  /// the port. Throws std::runtime_error.
  int bind(const std::string& address, int port);
  /// Answers requests until stop(); GET and HEAD only, several at a time.
  /// Every connection is closed when it returns.
  void run();
  /// Makes run() return, or return at once if it has not started yet; from
  /// any thread, and from a signal handler.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace report
