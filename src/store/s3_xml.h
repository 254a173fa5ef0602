#pragma once
// The XML documents S3 answers with and the one it is sent
// (CompleteMultipartUpload), read and written with pugixml. Pure functions:
// no network here.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace store {

/// <Error><Code>…</Code><Message>…</Message></Error>.
struct S3ErrorBody {
  std::string code;
  std::string message;
};

/// The error in `body`, or nothing if it is not an <Error> document.
std::optional<S3ErrorBody> parse_s3_error(std::string_view body);

/// One page of ListObjectsV2. Keys are as stored, with the store's prefix.
struct S3ObjectPage {
  std::vector<ObjectInfo> objects;
  /// NextContinuationToken; empty on the last page.
  std::string next_token;
};

/// Throws StoreError for a body that is not a ListBucketResult.
S3ObjectPage parse_list_objects(std::string_view body);

/// One multipart upload in progress, from ListMultipartUploads.
struct S3Upload {
  std::string key;
  std::string upload_id;
  std::chrono::system_clock::time_point initiated;
};

/// One page of ListMultipartUploads.
struct S3UploadPage {
  std::vector<S3Upload> uploads;
  /// NextKeyMarker and NextUploadIdMarker; both empty on the last page.
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

/// Throws StoreError for a body that is not a ListMultipartUploadsResult.
S3UploadPage parse_list_uploads(std::string_view body);

/// The UploadId of an InitiateMultipartUploadResult. Throws StoreError.
std::string parse_upload_id(std::string_view body);

/// The CompleteMultipartUpload body for parts 1..N with these ETags.
std::string complete_upload_body(const std::vector<std::string>& etags);

/// "2024-05-01T12:34:56.789Z" as S3 lists write dates. Throws StoreError.
std::chrono::system_clock::time_point parse_s3_time(std::string_view text);

}  // namespace store
