#include "registry/download.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <system_error>
#include <thread>
#include <utility>

namespace registry {
namespace {

constexpr auto kMaxRetryAfter = std::chrono::seconds(60);

struct CloseFile {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, CloseFile>;

struct CleanupCurl {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
using Curl = std::unique_ptr<CURL, CleanupCurl>;

/// A new file beside `to`, .NAME.part-XXXXXX, made exclusively (mkostemp):
/// no link planted at a name is followed and two downloads of one file
/// never share one. Removed unless it was renamed into place.
class PartFile {
 public:
  explicit PartFile(const std::filesystem::path& to) : to_(to) {
    std::string pattern =
        (to.parent_path() / ("." + to.filename().string() + ".part-XXXXXX")).string();
    const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    path_ = pattern;
    if (fd < 0) {
      error_ = errno;
      return;
    }
    ::fchmod(fd, 0644);
    ::close(fd);
  }
  ~PartFile() {
    std::error_code ignored;
    if (!committed_ && error_ == 0) std::filesystem::remove(path_, ignored);
  }
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// errno of making it; 0 if it was made.
  int error() const { return error_; }
  void commit() {
    std::filesystem::rename(path_, to_);
    committed_ = true;
  }

 private:
  std::filesystem::path to_;
  std::filesystem::path path_;
  int error_ = 0;
  bool committed_ = false;
};

/// What one try came to.
struct Attempt {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string curl_error;
  curl_off_t retry_after = 0;
  bool too_large = false;
  int write_error = 0;

  bool ok() const {
    return code == CURLE_OK && !too_large && write_error == 0 &&
           (status == 0 || (status >= 200 && status < 300));
  }
};

/// Where the body goes, for curl's write callback.
struct Sink {
  CURL* curl;
  std::FILE* file;
  uint64_t max_bytes;
  uint64_t written = 0;
  Attempt* outcome;
};

extern "C" size_t on_body(char* data, size_t item_size, size_t items, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t size = item_size * items;
  long status = 0;
  curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300) return 0;  // an error page, not the file: stop reading it
  if (size > sink->max_bytes - sink->written) {
    sink->outcome->too_large = true;
    return 0;
  }
  if (std::fwrite(data, 1, size, sink->file) != size) {
    sink->outcome->write_error = errno;
    return 0;
  }
  sink->written += size;
  return size;
}

void init_curl_once() {
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (init != CURLE_OK) {
    throw std::runtime_error("libcurl: " + std::string(curl_easy_strerror(init)));
  }
}

/// Options that protect us must not be dropped silently by an old libcurl.
template <typename Value>
void set(CURL* curl, CURLoption option, Value value) {
  if (CURLcode error = curl_easy_setopt(curl, option, value); error != CURLE_OK) {
    throw std::runtime_error("libcurl: option " + std::to_string(option) + ": " +
                             curl_easy_strerror(error));
  }
}

void set_options(CURL* curl, const std::string& url, const DownloadOptions& options,
                 const std::string& agent) {
  set(curl, CURLOPT_URL, url.c_str());
  set(curl, CURLOPT_USERAGENT, agent.c_str());
  set(curl, CURLOPT_NOSIGNAL, 1L);
  set(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
  // A server must not redirect us into our own files.
  set(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(curl, CURLOPT_FOLLOWLOCATION, 1L);
  set(curl, CURLOPT_MAXREDIRS, 10L);
  set(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  set(curl, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes);
  set(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.low_speed_time.count()));
  set(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
  set(curl, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  set(curl, CURLOPT_TCP_KEEPALIVE, 1L);
}

Attempt try_once(const std::string& url, const std::filesystem::path& part,
                 const DownloadOptions& options) {
  Attempt outcome;
  // Emptied for each try; the name is ours (PartFile), never a link.
  const int fd = ::open(part.c_str(), O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
  File file(fd < 0 ? nullptr : ::fdopen(fd, "wb"));
  if (!file) {
    outcome.write_error = errno;
    if (fd >= 0) ::close(fd);
    return outcome;
  }
  // One handle per thread, reset between transfers: it keeps its
  // connections alive, so a preparation's many downloads from one host
  // share one connection (and HTTP/2 where the server offers it).
  thread_local Curl curl(curl_easy_init());
  if (!curl) throw std::runtime_error("libcurl: cannot make a handle");
  curl_easy_reset(curl.get());
  char error[CURL_ERROR_SIZE] = "";
  Sink sink{curl.get(), file.get(), options.max_bytes, 0, &outcome};
  const std::string agent = user_agent();
  set_options(curl.get(), url, options, agent);
  set(curl.get(), CURLOPT_ERRORBUFFER, static_cast<char*>(error));
  set(curl.get(), CURLOPT_WRITEFUNCTION, on_body);
  set(curl.get(), CURLOPT_WRITEDATA, static_cast<void*>(&sink));

  outcome.code = curl_easy_perform(curl.get());
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &outcome.status);
  curl_easy_getinfo(curl.get(), CURLINFO_RETRY_AFTER, &outcome.retry_after);
  outcome.curl_error = error[0] ? error : curl_easy_strerror(outcome.code);
  if (outcome.code == CURLE_FILESIZE_EXCEEDED) outcome.too_large = true;
  if (std::fclose(file.release()) != 0 && outcome.ok()) outcome.write_error = errno;
  return outcome;
}

bool worth_retrying(const Attempt& outcome) {
  if (outcome.too_large || outcome.write_error) return false;
  long s = outcome.status;
  if (s == 408 || s == 429 || (s >= 500 && s < 600)) return true;
  if (s >= 300) return false;
  switch (outcome.code) {
    case CURLE_COULDNT_RESOLVE_HOST:  // often a passing DNS failure
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

std::string describe_status(long status) {
  static constexpr std::pair<long, const char*> kReasons[] = {
      {400, "Bad Request"},         {401, "Unauthorized"},          {403, "Forbidden"},
      {404, "Not Found"},           {408, "Request Timeout"},       {410, "Gone"},
      {429, "Too Many Requests"},   {500, "Internal Server Error"}, {502, "Bad Gateway"},
      {503, "Service Unavailable"}, {504, "Gateway Timeout"}};
  for (auto [code, reason] : kReasons) {
    if (code == status) return std::to_string(status) + " " + reason;
  }
  return "HTTP status " + std::to_string(status);
}

std::string describe(const Attempt& outcome, const DownloadOptions& options,
                     const std::filesystem::path& part) {
  if (outcome.write_error) {
    return "cannot write " + part.string() + ": " + std::strerror(outcome.write_error);
  }
  if (outcome.too_large) return "larger than " + std::to_string(options.max_bytes) + " bytes";
  if (outcome.status >= 400) return describe_status(outcome.status);
  // Our write callback stops a 3xx that was not followed: the status says more.
  if (outcome.code != CURLE_OK && outcome.code != CURLE_WRITE_ERROR) return outcome.curl_error;
  return describe_status(outcome.status);
}

DownloadError failure(const std::string& url, const Attempt& outcome, int tries,
                      const DownloadOptions& options, const std::filesystem::path& part) {
  std::string message = "cannot download " + url + ": " + describe(outcome, options, part);
  if (tries > 1) message += " (after " + std::to_string(tries) + " tries)";
  bool not_found = outcome.status == 404 || outcome.status == 410 ||
                   outcome.code == CURLE_FILE_COULDNT_READ_FILE;
  return {message, outcome.status, not_found};
}

}  // namespace

DownloadError::DownloadError(const std::string& message, long status, bool not_found)
    : std::runtime_error(message), status_(status), not_found_(not_found) {}

void download(const std::string& url, const std::filesystem::path& to,
              const DownloadOptions& options) {
  init_curl_once();
  PartFile part(to);
  if (part.error() != 0) {
    throw DownloadError("cannot download " + url + ": cannot create " + part.path().string() +
                            ": " + std::strerror(part.error()),
                        0, false);
  }
  std::chrono::milliseconds delay = options.first_delay;
  for (int tries = 1;; ++tries) {
    Attempt outcome = try_once(url, part.path(), options);
    if (outcome.ok()) {
      try {
        part.commit();
      } catch (const std::filesystem::filesystem_error& e) {
        throw DownloadError("cannot download " + url + ": " + e.what(), outcome.status, false);
      }
      return;
    }
    if (!worth_retrying(outcome) || tries >= options.attempts) {
      throw failure(url, outcome, tries, options, part.path());
    }
    auto asked =
        std::chrono::seconds(std::min<curl_off_t>(outcome.retry_after, kMaxRetryAfter.count()));
    std::this_thread::sleep_for(std::max<std::chrono::milliseconds>(delay, asked));
    delay *= 2;
  }
}

// crates.io asks crawlers to say whom to contact: the operator of a sweep
// sets CAH_CONTACT (an email address or URL).
std::string user_agent() {
  std::string agent = "crater-at-home/" CAH_VERSION;
  if (const char* contact = std::getenv("CAH_CONTACT"); contact != nullptr && *contact != '\0') {
    agent += std::string(" (") + contact + ")";
  }
  return agent;
}

}  // namespace registry
