#include "store/s3_store.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>

#include "store/s3_xml.h"

namespace store {

namespace {

constexpr size_t kMinPartSize = 5 * (size_t{1} << 20);
// S3's limit on an object's name, in bytes.
constexpr size_t kMaxNameBytes = 1024;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// The ETag S3 gives a multipart upload of parts with these ETags:
/// "HEX(MD5(MD5(part 1) … MD5(part N)))-N". Nothing if a part's ETag is not
/// an MD5 (a server that computes them otherwise).
std::optional<std::string> multipart_etag(const std::vector<std::string>& part_etags) {
  std::string digests;
  for (std::string_view etag : part_etags) {
    if (etag.size() == 34 && etag.front() == '"' && etag.back() == '"') {
      etag = etag.substr(1, 32);
    }
    if (etag.size() != 32) return std::nullopt;
    for (size_t i = 0; i < 32; i += 2) {
      const int high = hex_digit(etag[i]);
      const int low = hex_digit(etag[i + 1]);
      if (high < 0 || low < 0) return std::nullopt;
      digests += static_cast<char>(high * 16 + low);
    }
  }
  unsigned char md5[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(digests.data(), digests.size(), md5, &length, EVP_md5(), nullptr) != 1) {
    return std::nullopt;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string etag = "\"";
  for (unsigned int i = 0; i < length; ++i) {
    etag += kHex[md5[i] >> 4];
    etag += kHex[md5[i] & 15];
  }
  return etag + "-" + std::to_string(part_etags.size()) + "\"";
}

bool same_etag(std::string_view a, std::string_view b) {
  auto bare = [](std::string_view etag) {
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
      etag = etag.substr(1, etag.size() - 2);
    }
    return etag;
  };
  return bare(a) == bare(b);
}

}  // namespace

/// Gathers one part in memory; the first full part starts a multipart
/// upload, and every full part is sent as soon as it is full. A writer that
/// never fills a part is one PutObject at commit().
class S3ObjectWriter final : public ObjectWriter {
 public:
  S3ObjectWriter(S3Store& store, std::string name, std::string content_type)
      : store_(store), name_(std::move(name)), content_type_(std::move(content_type)) {}
  S3ObjectWriter(const S3ObjectWriter&) = delete;
  S3ObjectWriter& operator=(const S3ObjectWriter&) = delete;
  ~S3ObjectWriter() override { abort(); }

  void write(std::string_view bytes) override {
    check_open("write");
    abort_on_failure([&] {
      while (!bytes.empty()) {
        const size_t take = std::min(part_size() - buffer_.size(), bytes.size());
        grow_buffer(buffer_.size() + take);
        buffer_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        bytes_written_ += take;
        if (buffer_.size() == part_size()) send_part();
      }
    });
  }

  void commit() override {
    check_open("commit");
    abort_on_failure([&] {
      if (upload_id_.empty()) {
        put_whole();
      } else {
        if (!buffer_.empty()) send_part();
        complete();
      }
    });
    state_ = State::kCommitted;
    store_.forget_upload(upload_id_);
    release_buffer();
  }

  void abort() noexcept override {
    if (state_ != State::kOpen) return;
    state_ = State::kAborted;
    abort_upload();
    release_buffer();
  }

  uint64_t bytes_written() const override { return bytes_written_; }

 private:
  enum class State { kOpen, kCommitted, kAborted };

  void check_open(const char* what) const {
    if (state_ == State::kOpen) return;
    throw std::logic_error(std::string("ObjectWriter::") + what + " after " +
                           (state_ == State::kCommitted ? "commit" : "abort or a failure"));
  }

  template <typename Step>
  void abort_on_failure(Step step) {
    try {
      step();
    } catch (...) {
      abort();
      throw;
    }
  }

  // Doubles the buffer as std::string would, but never past one part: the
  // writer's memory is one part at most.
  void grow_buffer(size_t size) {
    if (size <= buffer_.capacity()) return;
    buffer_.reserve(std::min(part_size(), std::max(size, 2 * buffer_.capacity())));
  }

  size_t part_size() const { return store_.options_.part_size * (1 + etags_.size() / 1000); }

  void put_whole() {
    const S3Response response = store_.client_.send({.method = "PUT",
                                                     .url = store_.object_url(name_),
                                                     .body = buffer_,
                                                     .content_type = content_type_});
    if (!response.ok()) store_.fail(name_, "PutObject", response);
  }

  void start_upload() {
    const S3Response response =
        store_.client_.send({.method = "POST",
                             .url = store_.object_url(name_, s3_query({{"uploads", ""}})),
                             .content_type = content_type_});
    if (!response.ok()) store_.fail(name_, "CreateMultipartUpload", response);
    upload_id_ = parse_upload_id(response.body);
    store_.track_upload(upload_id_);
  }

  void send_part() {
    if (upload_id_.empty()) start_upload();
    const std::string number = std::to_string(etags_.size() + 1);
    const S3Response response = store_.client_.send(
        {.method = "PUT",
         .url =
             store_.object_url(name_, s3_query({{"partNumber", number}, {"uploadId", upload_id_}})),
         .body = buffer_});
    if (!response.ok()) store_.fail(name_, "UploadPart " + number, response);
    if (response.etag.empty()) {
      throw StoreError(store_.url() + ": UploadPart " + number + " of " + name_ +
                       " answered without an ETag");
    }
    etags_.push_back(response.etag);
    buffer_.clear();
  }

  void complete() {
    const std::string body = complete_upload_body(etags_);
    const S3Response response =
        store_.client_.send({.method = "POST",
                             .url = store_.object_url(name_, s3_query({{"uploadId", upload_id_}})),
                             .body = body,
                             .content_type = "application/xml",
                             .error_in_ok_body = true});
    if (response.ok()) return;
    // A retried Complete finds no upload when the first one did complete
    // but its answer was lost: the object itself tells.
    if (response.error_code == "NoSuchUpload" && response.attempts > 1 && completed_earlier()) {
      return;
    }
    store_.fail(name_, "CompleteMultipartUpload", response);
  }

  bool completed_earlier() {
    const S3Response head =
        store_.client_.send({.method = "HEAD", .url = store_.object_url(name_)});
    if (!head.ok() || head.content_length != bytes_written_) return false;
    const auto expected = multipart_etag(etags_);
    return !expected || same_etag(head.etag, *expected);
  }

  void abort_upload() noexcept {
    if (upload_id_.empty()) return;
    try {
      store_.client_.send({.method = "DELETE",
                           .url = store_.object_url(name_, s3_query({{"uploadId", upload_id_}}))});
    } catch (...) {
      // Left for remove_stale_temporaries(), or the bucket's lifecycle rule.
    }
    store_.forget_upload(upload_id_);
  }

  void release_buffer() { std::string().swap(buffer_); }

  S3Store& store_;
  const std::string name_;
  const std::string content_type_;
  std::string buffer_;  // the part being gathered
  std::string upload_id_;
  std::vector<std::string> etags_;  // of the parts sent, in order
  uint64_t bytes_written_ = 0;
  State state_ = State::kOpen;
};

S3Store::S3Store(std::string bucket, std::string prefix, S3Config config, S3StoreOptions options)
    : bucket_(std::move(bucket)),
      prefix_(std::move(prefix)),
      options_(options),
      client_(std::move(config)),
      bucket_url_(client_.config().bucket_url(bucket_)) {
  if (!prefix_.empty() && !prefix_.ends_with('/')) prefix_ += '/';
  if (options_.part_size < kMinPartSize) {
    throw StoreError("S3 parts must be at least 5 MiB, not " + std::to_string(options_.part_size));
  }
}

std::string S3Store::object_name(std::string_view key) const {
  check_key(key);
  std::string name = prefix_ + std::string(key);
  if (name.size() > kMaxNameBytes) {
    throw StoreError("bad store key '" + std::string(key) + "': S3 names are at most 1024 bytes");
  }
  return name;
}

std::string S3Store::object_url(std::string_view name, const std::string& query) const {
  return bucket_url_ + "/" + s3_encode(name, true) + query;
}

void S3Store::fail(std::string_view name, std::string_view what, const S3Response& response) const {
  throw StoreError("s3://" + bucket_ + "/" + std::string(name) + ": " + std::string(what) + ": " +
                   response.describe());
}

void S3Store::track_upload(const std::string& upload_id) {
  const std::lock_guard lock(uploads_mutex_);
  open_uploads_.insert(upload_id);
}

void S3Store::forget_upload(const std::string& upload_id) {
  const std::lock_guard lock(uploads_mutex_);
  open_uploads_.erase(upload_id);
}

std::unique_ptr<ObjectWriter> S3Store::do_open_writer(std::string_view key,
                                                      std::string_view content_type) {
  return std::make_unique<S3ObjectWriter>(*this, object_name(key), std::string(content_type));
}

std::optional<std::string> S3Store::get(std::string_view key) {
  const std::string name = object_name(key);
  S3Response response = client_.send({.method = "GET", .url = object_url(name)});
  if (response.status == 404 && response.error_code == "NoSuchKey") return std::nullopt;
  if (!response.ok()) fail(name, "GetObject", response);
  return std::move(response.body);
}

bool S3Store::read(std::string_view key, const std::function<void(std::string_view)>& sink) {
  const std::string name = object_name(key);
  const S3Response response =
      client_.send({.method = "GET", .url = object_url(name), .sink = &sink});
  if (response.status == 404 && response.error_code == "NoSuchKey") return false;
  if (!response.ok()) fail(name, "GetObject", response);
  return true;
}

std::optional<ObjectInfo> S3Store::head(std::string_view key) {
  const std::string name = object_name(key);
  const S3Response response = client_.send({.method = "HEAD", .url = object_url(name)});
  // A HEAD answer has no body to tell a missing key from a missing bucket.
  if (response.status == 404) return std::nullopt;
  if (!response.ok()) fail(name, "HeadObject", response);
  return ObjectInfo{std::string(key), response.content_length,
                    response.last_modified.value_or(std::chrono::system_clock::time_point())};
}

std::vector<ObjectInfo> S3Store::list(std::string_view prefix) {
  const std::string name_prefix = prefix_ + std::string(prefix);
  std::vector<ObjectInfo> objects;
  std::string token;
  do {
    std::vector<std::pair<std::string, std::string>> query = {{"list-type", "2"},
                                                              {"prefix", name_prefix}};
    if (!token.empty()) query.emplace_back("continuation-token", token);
    const S3Response response =
        client_.send({.method = "GET", .url = bucket_url_ + "/" + s3_query(std::move(query))});
    if (!response.ok()) fail(name_prefix, "ListObjectsV2", response);
    S3ObjectPage page = parse_list_objects(response.body);
    for (ObjectInfo& object : page.objects) {
      object.key.erase(0, prefix_.size());
      objects.push_back(std::move(object));
    }
    token = std::move(page.next_token);
  } while (!token.empty());
  // S3 lists in byte order already; a compatible server might not.
  if (!std::is_sorted(objects.begin(), objects.end(),
                      [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; })) {
    std::sort(objects.begin(), objects.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  }
  return objects;
}

void S3Store::remove(std::string_view key) {
  const std::string name = object_name(key);
  const S3Response response = client_.send({.method = "DELETE", .url = object_url(name)});
  if (response.ok() || (response.status == 404 && response.error_code == "NoSuchKey")) return;
  fail(name, "DeleteObject", response);
}

size_t S3Store::remove_stale_temporaries(std::string_view prefix) {
  const std::string name_prefix = prefix_ + std::string(prefix);
  const auto cutoff = std::chrono::system_clock::now() - options_.stale_upload_age;
  size_t removed = 0;
  std::string key_marker;
  std::string upload_id_marker;
  do {
    std::vector<std::pair<std::string, std::string>> query = {{"uploads", ""},
                                                              {"prefix", name_prefix}};
    if (!key_marker.empty()) {
      query.emplace_back("key-marker", key_marker);
      query.emplace_back("upload-id-marker", upload_id_marker);
    }
    const S3Response response =
        client_.send({.method = "GET", .url = bucket_url_ + "/" + s3_query(std::move(query))});
    if (!response.ok()) fail(name_prefix, "ListMultipartUploads", response);
    S3UploadPage page = parse_list_uploads(response.body);
    for (const S3Upload& upload : page.uploads) {
      if (upload.initiated > cutoff) continue;
      {
        const std::lock_guard lock(uploads_mutex_);
        if (open_uploads_.contains(upload.upload_id)) continue;
      }
      const S3Response aborted =
          client_.send({.method = "DELETE",
                        .url = object_url(upload.key, s3_query({{"uploadId", upload.upload_id}}))});
      if (aborted.ok()) {
        ++removed;
      } else if (aborted.error_code != "NoSuchUpload") {  // another cleaner was quicker
        fail(upload.key, "AbortMultipartUpload", aborted);
      }
    }
    key_marker = std::move(page.next_key_marker);
    upload_id_marker = std::move(page.next_upload_id_marker);
  } while (!key_marker.empty());
  return removed;
}

void S3Store::put_many(const std::vector<std::pair<std::string, std::string>>& objects,
                       std::string_view content_type) {
  for (const auto& object : objects) object_name(object.first);  // bad keys: before any put
  std::atomic<size_t> next = 0;
  std::atomic<bool> failed = false;
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    for (size_t i = next++; i < objects.size() && !failed; i = next++) {
      try {
        put(objects[i].first, objects[i].second, content_type);
      } catch (...) {
        const std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        failed = true;
      }
    }
  };
  const size_t threads =
      std::min(objects.size(), static_cast<size_t>(std::max(1, options_.parallel_puts)));
  std::vector<std::jthread> workers;
  for (size_t i = 1; i < threads; ++i) workers.emplace_back(work);
  work();
  workers.clear();  // joins
  if (failure) std::rethrow_exception(failure);
}

std::string S3Store::url() const {
  std::string url = "s3://" + bucket_;
  if (!prefix_.empty()) url += "/" + prefix_.substr(0, prefix_.size() - 1);
  return url;
}

}  // namespace store
