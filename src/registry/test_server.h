#pragma once
// An HTTP server on loopback for the download tests: Python's http.server
// over a folder, plus a few paths that misbehave on purpose.

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace registry::testing {

/// Serves `root` at http://127.0.0.1:PORT/. Besides its files:
///   /status/N          answers with HTTP status N
///   /flaky/N/PATH      answers 503 to the first N requests, then serves PATH
///   /redirect/PATH     redirects to /PATH
///   /redirect-to-file  redirects to file:///etc/passwd
///   /agent             answers with the request's User-Agent
///   /stall             promises 100000 bytes, sends 10, then goes quiet
class HttpServer {
 public:
  explicit HttpServer(const std::filesystem::path& root);
  /// Kills the server.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// "http://127.0.0.1:PORT"
  std::string base() const;
  /// How many requests `path` ("/status/404") has had.
  int hits(const std::string& path) const;

 private:
  std::filesystem::path log_;  // one line per request: its path
  pid_t pid_ = -1;
  int port_ = 0;
};

/// A loopback port nothing listens on: connecting is refused at once.
int unused_port();

}  // namespace registry::testing
