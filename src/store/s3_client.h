#pragma once
// Requests to S3 over libcurl, signed by curl's own SigV4
// (CURLOPT_AWS_SIGV4). Connections are kept alive and reused; a failure that
// may pass (no connection, a timeout, 429, 5xx, SlowDown, RequestTimeout,
// InternalError) is tried again after an exponential, jittered wait.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/s3_config.h"

namespace store {

/// S3's encoding of a key or a query value: keeps A-Za-z0-9-_.~ (and '/'
/// when `keep_slash`), %XX for every other byte. curl signs the path and the
/// query exactly as written, so they must be in this form already.
std::string s3_encode(std::string_view text, bool keep_slash);

/// "?a=1&b=" from name/value pairs, sorted by name and encoded, as SigV4
/// signs a query; empty for no pairs.
std::string s3_query(std::vector<std::pair<std::string, std::string>> parameters);

struct S3Request {
  std::string method = "GET";
  /// Complete and encoded, the query from s3_query().
  std::string url;
  std::string_view body;
  /// Sent with PUT and POST; empty means application/octet-stream.
  std::string content_type;
  /// CompleteMultipartUpload may answer 200 with an <Error> body.
  bool error_in_ok_body = false;
  /// Takes a successful answer's body piece by piece instead of
  /// S3Response::body. A request whose sink got bytes is not tried again.
  const std::function<void(std::string_view)>* sink = nullptr;
};

struct S3Response {
  /// 0 when no HTTP answer came.
  long status = 0;
  std::string body;
  std::string etag;
  uint64_t content_length = 0;
  std::optional<std::chrono::system_clock::time_point> last_modified;
  /// S3's error code (NoSuchKey, SlowDown, ...) from an error body, or
  /// "curl" when no answer came.
  std::string error_code;
  /// S3's error message, or curl's.
  std::string error_message;
  /// How many times the request was sent.
  int attempts = 0;
  /// Bytes given to the request's sink.
  uint64_t bytes_to_sink = 0;

  bool ok() const { return status >= 200 && status < 300 && error_code.empty(); }
  /// "503 SlowDown: Please reduce your request rate. (after 6 tries)".
  std::string describe() const;
};

class S3Client {
 public:
  /// Throws StoreError if libcurl cannot start.
  explicit S3Client(S3Config config);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  /// Sends `request` until it succeeds, fails for good or runs out of
  /// tries, and returns the last response. Safe from several threads.
  S3Response send(const S3Request& request);

  const S3Config& config() const { return config_; }

 private:
  struct Connection;

  std::unique_ptr<Connection> take_connection();
  void give_back(std::unique_ptr<Connection> connection);
  /// One try; `curl_code` is curl's result, for a request that got no answer.
  S3Response send_once(Connection& connection, const S3Request& request, long& curl_code);

  S3Config config_;
  std::string signing_scope_;  // "aws:amz:REGION:s3"
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace store
