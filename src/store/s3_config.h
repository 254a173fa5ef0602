#pragma once
// Where the s3:// store sends its requests and as whom, read the way the AWS
// CLI reads it: the AWS_* environment first, then the profile in
// ~/.aws/credentials and ~/.aws/config. Nothing here talks to the network.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace store {

/// How a bucket appears in a URL: https://s3.REGION.amazonaws.com/BUCKET/KEY
/// (path) or https://BUCKET.s3.REGION.amazonaws.com/KEY (virtual). kAuto is
/// path-style for an endpoint URL (most S3-compatible servers want it) and
/// virtual-hosted for AWS itself, unless the bucket's name is no DNS label.
enum class S3Addressing { kAuto, kPath, kVirtual };

struct S3Config {
  // Secrets: never put these into a message or a log.
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: none

  std::string region = "us-east-1";
  /// "http[s]://HOST[:PORT][/PATH]" without a trailing '/', for an
  /// S3-compatible service; empty for AWS itself.
  std::string endpoint_url;
  S3Addressing addressing = S3Addressing::kAuto;
  /// A file of CA certificates to trust instead of the system's
  /// (AWS_CA_BUNDLE, ca_bundle); empty for the system's.
  std::string ca_bundle;

  /// Tries in all for a request whose failure may pass (AWS_MAX_ATTEMPTS).
  int max_attempts = 6;
  /// The longest wait before the second try; doubled for each further one,
  /// and each wait half of it plus a random part of the other half ("equal jitter").
  std::chrono::milliseconds first_retry_delay{200};

  /// "https://BUCKET.s3.REGION.amazonaws.com" or "ENDPOINT/BUCKET": what an
  /// object's encoded key follows, after a '/'.
  std::string bucket_url(std::string_view bucket) const;
};

/// A getenv: the value of a variable, or nothing if it is unset.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;

/// The process's own environment.
Environment process_environment();

/// Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
/// AWS_REGION, AWS_DEFAULT_REGION; AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL,
/// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS; AWS_MAX_ATTEMPTS; AWS_PROFILE (or
/// AWS_DEFAULT_PROFILE, else "default") in AWS_SHARED_CREDENTIALS_FILE
/// (~/.aws/credentials) and AWS_CONFIG_FILE (~/.aws/config), with their
/// region, endpoint_url, max_attempts, ca_bundle and `s3 =` endpoint_url
/// and addressing_style; AWS_CA_BUNDLE; and CAH_S3_ADDRESSING=path|virtual. The environment
/// wins over the files, as for the AWS CLI. Throws StoreError when there are
/// no credentials or a setting is malformed; the message names settings,
/// never their secret values.
S3Config read_s3_config(const Environment& environment = process_environment());

}  // namespace store
