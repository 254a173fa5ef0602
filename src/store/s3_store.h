#pragma once
// The s3:// backend: one S3 object per key, under s3://BUCKET/PREFIX/KEY.
// Small objects are one PutObject; an ObjectWriter that grows past one part
// (8 MiB) becomes a multipart upload, sent part by part as it is written, so
// that memory stays at about one part however big the object. Nothing is
// visible before commit() on either path: S3 shows an object only once its
// PutObject or CompleteMultipartUpload is done.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <set>
#include <string>

#include "store/s3_client.h"
#include "store/s3_config.h"
#include "store/store.h"

namespace store {

struct S3StoreOptions {
  /// An ObjectWriter holds this much before sending it as a part; at least
  /// S3's minimum of 5 MiB. Parts after the 1000th grow, so that S3's limit
  /// of 10,000 parts allows objects of hundreds of gigabytes.
  size_t part_size = 8 * (size_t{1} << 20);
  /// remove_stale_temporaries() aborts multipart uploads begun this long
  /// ago: S3 cannot tell whether the process that began one still lives.
  std::chrono::seconds stale_upload_age = std::chrono::hours(24);
  /// put_many() keeps this many requests in flight.
  int parallel_puts = 8;
};

class S3Store : public Store {
 public:
  /// `prefix` is put before every key, joined with '/'; empty for none.
  S3Store(std::string bucket, std::string prefix, S3Config config, S3StoreOptions options = {});

  std::optional<std::string> get(std::string_view key) override;
  /// Streams the body as it arrives. A transfer that breaks after the
  /// first bytes reached `sink` is not tried again: StoreError.
  bool read(std::string_view key, const std::function<void(std::string_view)>& sink) override;
  std::optional<ObjectInfo> head(std::string_view key) override;
  std::vector<ObjectInfo> list(std::string_view prefix) override;
  void remove(std::string_view key) override;
  /// Aborts the multipart uploads under `prefix` begun more than
  /// stale_upload_age ago, except those of this store's open writers.
  size_t remove_stale_temporaries(std::string_view prefix) override;
  std::string url() const override;

  /// put() of every pair (key, bytes), several at a time: thousands of small
  /// objects go at the server's pace rather than one round trip each. Each
  /// object is whole or absent; on a failure the rest are not started and
  /// the first StoreError is thrown once those in flight are done.
  void put_many(const std::vector<std::pair<std::string, std::string>>& objects,
                std::string_view content_type = {});

 protected:
  std::unique_ptr<ObjectWriter> do_open_writer(std::string_view key,
                                               std::string_view content_type) override;

 private:
  friend class S3ObjectWriter;

  /// The object's name in the bucket: the prefix and the key.
  std::string object_name(std::string_view key) const;
  /// The URL of object `name` (from object_name()), with `query` after it.
  std::string object_url(std::string_view name, const std::string& query = {}) const;
  /// Throws StoreError: "s3://BUCKET/NAME: WHAT: 503 SlowDown ...".
  [[noreturn]] void fail(std::string_view name, std::string_view what,
                         const S3Response& response) const;

  void track_upload(const std::string& upload_id);
  void forget_upload(const std::string& upload_id);

  std::string bucket_;
  std::string prefix_;  // "" or ending in '/'
  S3StoreOptions options_;
  S3Client client_;
  std::string bucket_url_;

  std::mutex uploads_mutex_;
  std::set<std::string> open_uploads_;  // upload IDs of this store's writers
};

}  // namespace store
