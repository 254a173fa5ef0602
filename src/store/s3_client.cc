#include "store/s3_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <random>
#include <thread>

#include "store/s3_xml.h"
#include "store/store.h"

namespace store {

namespace {

constexpr auto kMaxDelay = std::chrono::milliseconds(20'000);
constexpr auto kMaxRetryAfter = std::chrono::seconds(60);

void init_curl_once() {
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (init != CURLE_OK) throw StoreError("libcurl: " + std::string(curl_easy_strerror(init)));
}

/// Options that protect us must not be dropped silently by an old libcurl.
template <typename Value>
void set(CURL* curl, CURLoption option, Value value) {
  if (CURLcode error = curl_easy_setopt(curl, option, value); error != CURLE_OK) {
    throw StoreError("libcurl: option " + std::to_string(option) + ": " +
                     curl_easy_strerror(error));
  }
}

struct FreeHeaders {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Headers = std::unique_ptr<curl_slist, FreeHeaders>;

void add_header(Headers& headers, const std::string& header) {
  curl_slist* longer = curl_slist_append(headers.get(), header.c_str());
  if (!longer) throw std::bad_alloc();
  // curl appended to the list it was given: `longer` is that same list.
  (void)headers.release();
  headers.reset(longer);
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw StoreError("OpenSSL cannot compute SHA-256");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

/// The request body, handed to curl piece by piece; rewound for a resend.
struct BodyReader {
  std::string_view body;
  size_t offset = 0;
};

extern "C" size_t s3_read_body(char* buffer, size_t size, size_t items, void* user) {
  auto* reader = static_cast<BodyReader*>(user);
  const size_t n = std::min(size * items, reader->body.size() - reader->offset);
  std::copy_n(reader->body.data() + reader->offset, n, buffer);
  reader->offset += n;
  return n;
}

extern "C" int s3_seek_body(void* user, curl_off_t offset, int origin) {
  auto* reader = static_cast<BodyReader*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > reader->body.size()) {
    return CURL_SEEKFUNC_FAIL;
  }
  reader->offset = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

/// Where the answer's body goes: a successful one to the request's sink,
/// if it has one, anything else into the response for its error code.
struct BodyWriter {
  CURL* curl;
  S3Response* response;
  const std::function<void(std::string_view)>* sink;
  std::exception_ptr sink_failure;
};

extern "C" size_t s3_on_body(char* data, size_t size, size_t items, void* user) {
  auto* writer = static_cast<BodyWriter*>(user);
  const std::string_view bytes(data, size * items);
  long status = 0;
  curl_easy_getinfo(writer->curl, CURLINFO_RESPONSE_CODE, &status);
  if (!writer->sink || status < 200 || status >= 300) {
    writer->response->body.append(bytes);
    return bytes.size();
  }
  try {
    (*writer->sink)(bytes);
  } catch (...) {
    // Must not unwind through curl: thrown again once curl has returned.
    writer->sink_failure = std::current_exception();
    return CURL_WRITEFUNC_ERROR;
  }
  writer->response->bytes_to_sink += bytes.size();
  return bytes.size();
}

extern "C" size_t s3_on_header(char* data, size_t size, size_t items, void* user) {
  const std::string_view line(data, size * items);
  constexpr std::string_view kEtag = "etag:";
  if (line.size() > kEtag.size() &&
      std::equal(kEtag.begin(), kEtag.end(), line.begin(),
                 [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
    std::string_view value = line.substr(kEtag.size());
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t\r\n");
    auto* etag = static_cast<std::string*>(user);
    etag->assign(first == std::string_view::npos ? std::string_view()
                                                 : value.substr(first, last - first + 1));
  }
  return size * items;
}

bool transport_may_pass(long code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
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

/// The failures S3 documents as worth another try.
bool may_pass(const S3Response& response, long curl_code) {
  if (response.ok()) return false;
  if (response.status == 0) return transport_may_pass(curl_code);
  if (response.status == 408 || response.status == 429 || response.status >= 500) return true;
  for (std::string_view code : {"RequestTimeout", "SlowDown", "InternalError", "ServiceUnavailable",
                                "Throttling", "ThrottlingException"}) {
    if (response.error_code == code) return true;
  }
  return false;
}

/// Exponential backoff with "equal jitter": half the doubled delay, plus a
/// random part of the other half, so that many clients spread out.
std::chrono::milliseconds backoff(std::chrono::milliseconds first, int retry) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  auto ceiling = first;
  for (int i = 1; i < retry && ceiling < kMaxDelay; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, kMaxDelay);
  std::uniform_int_distribution<long long> half(0, ceiling.count() / 2);
  return std::chrono::milliseconds(ceiling.count() - ceiling.count() / 2 + half(random));
}

std::string reason(long status) {
  static constexpr std::pair<long, const char*> kReasons[] = {{400, "Bad Request"},
                                                              {403, "Forbidden"},
                                                              {404, "Not Found"},
                                                              {409, "Conflict"},
                                                              {412, "Precondition Failed"},
                                                              {429, "Too Many Requests"},
                                                              {500, "Internal Server Error"},
                                                              {502, "Bad Gateway"},
                                                              {503, "Service Unavailable"},
                                                              {504, "Gateway Timeout"}};
  for (auto [code, name] : kReasons) {
    if (code == status) return name;
  }
  return "";
}

}  // namespace

std::string s3_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
        (byte >= '0' && byte <= '9') || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

std::string s3_query(std::vector<std::pair<std::string, std::string>> parameters) {
  std::sort(parameters.begin(), parameters.end());
  std::string query;
  for (const auto& [name, value] : parameters) {
    query += query.empty() ? '?' : '&';
    query += s3_encode(name, false) + "=" + s3_encode(value, false);
  }
  return query;
}

std::string S3Response::describe() const {
  std::string text;
  if (status == 0) {
    text = "transfer failed: " + error_message;
  } else {
    text = std::to_string(status);
    if (!error_code.empty()) {
      text += " " + error_code;
    } else if (const std::string name = reason(status); !name.empty()) {
      text += " " + name;
    }
    if (!error_message.empty()) text += ": " + error_message;
  }
  if (attempts > 1) text += " (after " + std::to_string(attempts) + " tries)";
  return text;
}

struct S3Client::Connection {
  Connection() : curl(curl_easy_init()) {
    if (!curl) throw StoreError("libcurl: cannot make a handle");
  }
  ~Connection() { curl_easy_cleanup(curl); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  CURL* curl;
};

S3Client::S3Client(S3Config config)
    : config_(std::move(config)), signing_scope_("aws:amz:" + config_.region + ":s3") {
  init_curl_once();
}

S3Client::~S3Client() = default;

std::unique_ptr<S3Client::Connection> S3Client::take_connection() {
  {
    const std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
  }
  return std::make_unique<Connection>();
}

void S3Client::give_back(std::unique_ptr<Connection> connection) {
  const std::lock_guard lock(mutex_);
  idle_.push_back(std::move(connection));
}

S3Response S3Client::send(const S3Request& request) {
  std::unique_ptr<Connection> connection = take_connection();
  S3Response response;
  for (int attempt = 1;; ++attempt) {
    long curl_code = CURLE_OK;
    response = send_once(*connection, request, curl_code);
    response.attempts = attempt;
    if (attempt >= config_.max_attempts || response.bytes_to_sink > 0 ||
        !may_pass(response, curl_code)) {
      break;
    }
    auto delay = backoff(config_.first_retry_delay, attempt);
    curl_off_t retry_after = 0;
    if (curl_easy_getinfo(connection->curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
        retry_after > 0) {
      delay = std::max<std::chrono::milliseconds>(
          delay, std::min<std::chrono::seconds>(std::chrono::seconds(retry_after), kMaxRetryAfter));
    }
    std::this_thread::sleep_for(delay);
  }
  give_back(std::move(connection));
  return response;
}

S3Response S3Client::send_once(Connection& connection, const S3Request& request, long& curl_code) {
  CURL* curl = connection.curl;
  // Keeps the connection, drops every option of the last request.
  curl_easy_reset(curl);
  S3Response response;
  char error[CURL_ERROR_SIZE] = "";
  BodyReader reader{request.body};

  set(curl, CURLOPT_URL, request.url.c_str());
  set(curl, CURLOPT_ERRORBUFFER, static_cast<char*>(error));
  set(curl, CURLOPT_NOSIGNAL, 1L);
  set(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  set(curl, CURLOPT_PATH_AS_IS, 1L);  // the path is signed as written
  set(curl, CURLOPT_USERAGENT, "crater-at-home");
  set(curl, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
  // A stalled transfer is abandoned (and tried again): under 1 kB/s for 60 s.
  set(curl, CURLOPT_LOW_SPEED_LIMIT, 1000L);
  set(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  set(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  set(curl, CURLOPT_FILETIME, 1L);
  if (!config_.ca_bundle.empty()) set(curl, CURLOPT_CAINFO, config_.ca_bundle.c_str());
  set(curl, CURLOPT_AWS_SIGV4, signing_scope_.c_str());
  set(curl, CURLOPT_USERNAME, config_.access_key_id.c_str());
  set(curl, CURLOPT_PASSWORD, config_.secret_access_key.c_str());

  // curl signs every header given here, and adds no payload hash itself.
  Headers headers;
  add_header(headers, "x-amz-content-sha256: " + sha256_hex(request.body));
  if (!config_.session_token.empty()) {
    add_header(headers, "x-amz-security-token: " + config_.session_token);
  }
  if (request.method == "GET") {
    set(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    set(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT" || request.method == "POST") {
    add_header(headers, "Content-Type: " + (request.content_type.empty()
                                                ? std::string("application/octet-stream")
                                                : request.content_type));
    set(curl, CURLOPT_UPLOAD, 1L);
    set(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    set(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    set(curl, CURLOPT_READFUNCTION, s3_read_body);
    set(curl, CURLOPT_READDATA, static_cast<void*>(&reader));
    set(curl, CURLOPT_SEEKFUNCTION, s3_seek_body);
    set(curl, CURLOPT_SEEKDATA, static_cast<void*>(&reader));
  } else {
    set(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  set(curl, CURLOPT_HTTPHEADER, headers.get());
  BodyWriter body_writer{curl, &response, request.sink, nullptr};
  set(curl, CURLOPT_WRITEFUNCTION, s3_on_body);
  set(curl, CURLOPT_WRITEDATA, static_cast<void*>(&body_writer));
  set(curl, CURLOPT_HEADERFUNCTION, s3_on_header);
  set(curl, CURLOPT_HEADERDATA, static_cast<void*>(&response.etag));

  const CURLcode code = curl_easy_perform(curl);
  if (body_writer.sink_failure) std::rethrow_exception(body_writer.sink_failure);
  if (code != CURLE_OK) {
    curl_code = code;
    response.error_code = "curl";
    response.error_message = error[0] ? error : curl_easy_strerror(code);
    return response;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_off_t length = -1;
  if (curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK &&
      length >= 0) {
    response.content_length = static_cast<uint64_t>(length);
  }
  curl_off_t modified = -1;
  if (curl_easy_getinfo(curl, CURLINFO_FILETIME_T, &modified) == CURLE_OK && modified >= 0) {
    response.last_modified = std::chrono::system_clock::from_time_t(static_cast<time_t>(modified));
  }
  const bool failed = response.status < 200 || response.status >= 300;
  if (failed || request.error_in_ok_body) {
    if (auto body_error = parse_s3_error(response.body)) {
      response.error_code = body_error->code.empty() ? "Error" : body_error->code;
      response.error_message = body_error->message;
    }
  }
  return response;
}

}  // namespace store
