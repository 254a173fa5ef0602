#include "store/s3_config.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>

#include "store/store.h"

namespace store {
namespace {

/// An AWS shared file: section name -> key -> value. A key indented under
/// one with no value (`s3 =`) is stored as "s3.KEY".
using IniFile = std::map<std::string, std::map<std::string, std::string>>;

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

IniFile read_ini(const std::string& path) {
  IniFile ini;
  std::ifstream in(path);
  std::string line;
  std::map<std::string, std::string>* section = nullptr;
  std::string parent;  // the key of an open `s3 =` block
  while (std::getline(in, line)) {
    const std::string_view text = trim(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    if (text.front() == '[' && text.back() == ']') {
      section = &ini[std::string(trim(text.substr(1, text.size() - 2)))];
      parent.clear();
      continue;
    }
    const auto equals = text.find('=');
    if (!section || equals == std::string_view::npos) continue;
    const std::string key(trim(text.substr(0, equals)));
    const std::string value(trim(text.substr(equals + 1)));
    const bool indented = line[0] == ' ' || line[0] == '\t';
    if (indented && !parent.empty()) {
      std::string nested = parent;
      nested += '.';
      nested += key;
      (*section)[nested] = value;
    } else {
      parent = value.empty() ? key : "";
      (*section)[key] = value;
    }
  }
  return ini;
}

/// A setting from a profile's sections: the credentials file's first, then
/// the config file's.
class Profile {
 public:
  Profile(const IniFile& credentials, const IniFile& config, const std::string& name) {
    if (auto it = credentials.find(name); it != credentials.end()) sections_.push_back(&it->second);
    const std::string config_name = name == "default" ? "default" : "profile " + name;
    if (auto it = config.find(config_name); it != config.end()) sections_.push_back(&it->second);
    if (name == "default") {
      if (auto it = config.find("profile default"); it != config.end()) {
        sections_.push_back(&it->second);
      }
    }
  }

  bool exists() const { return !sections_.empty(); }

  std::optional<std::string> get(const std::string& key) const {
    for (const auto* section : sections_) {
      if (auto it = section->find(key); it != section->end() && !it->second.empty()) {
        return it->second;
      }
    }
    return std::nullopt;
  }

 private:
  std::vector<const std::map<std::string, std::string>*> sections_;
};

std::string expand_home(const std::string& path, const Environment& environment) {
  if (path == "~" || path.starts_with("~/"))
    return environment("HOME").value_or("") + path.substr(1);
  return path;
}

std::optional<std::string> first_of(std::initializer_list<std::optional<std::string>> values) {
  for (const auto& value : values) {
    if (value) return value;
  }
  return std::nullopt;
}

std::optional<std::string> non_empty(const Environment& environment, const char* name) {
  auto value = environment(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

/// Checks the URL's form and drops a trailing '/'. The URL is not repeated
/// in a message: it might hold a password.
std::string checked_endpoint(std::string url, const std::string& setting) {
  const auto scheme_end = url.find("://");
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme_end == std::string::npos || (scheme != "http" && scheme != "https")) {
    throw StoreError(setting + " must start with http:// or https://");
  }
  const auto authority_end = url.find('/', scheme_end + 3);
  const std::string authority = url.substr(scheme_end + 3, authority_end - scheme_end - 3);
  if (authority.empty()) throw StoreError(setting + " names no host");
  if (authority.find('@') != std::string::npos) {
    throw StoreError(setting +
                     " must not hold a user name or password: use AWS_ACCESS_KEY_ID and "
                     "AWS_SECRET_ACCESS_KEY");
  }
  if (url.find_first_of("?#", scheme_end) != std::string::npos) {
    throw StoreError(setting + " must not have a query or a fragment");
  }
  while (url.ends_with('/')) url.pop_back();
  return url;
}

S3Addressing parse_addressing(const std::string& value, const std::string& setting) {
  if (value == "path") return S3Addressing::kPath;
  if (value == "virtual") return S3Addressing::kVirtual;
  if (value == "auto") return S3Addressing::kAuto;
  throw StoreError(setting + " must be path, virtual or auto, not '" + value + "'");
}

int parse_attempts(const std::string& value, const std::string& setting) {
  int attempts = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), attempts);
  if (error != std::errc() || end != value.data() + value.size() || attempts < 1) {
    throw StoreError(setting + " must be a whole number of at least 1, not '" + value + "'");
  }
  return attempts;
}

/// A bucket that can be a host name's first label, also under TLS (no dots).
bool is_dns_label(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!std::islower(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

}  // namespace

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

std::string S3Config::bucket_url(std::string_view bucket) const {
  bool virtual_host = addressing == S3Addressing::kVirtual;
  if (addressing == S3Addressing::kAuto)
    virtual_host = endpoint_url.empty() && is_dns_label(bucket);
  std::string origin = endpoint_url;
  if (origin.empty()) origin = "https://s3." + region + ".amazonaws.com";
  if (!virtual_host) return origin + "/" + std::string(bucket);
  const auto host = origin.find("://") + 3;
  return origin.substr(0, host) + std::string(bucket) + "." + origin.substr(host);
}

S3Config read_s3_config(const Environment& environment) {
  const IniFile credentials = read_ini(expand_home(
      non_empty(environment, "AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"),
      environment));
  const IniFile config = read_ini(expand_home(
      non_empty(environment, "AWS_CONFIG_FILE").value_or("~/.aws/config"), environment));
  const auto named_profile = first_of(
      {non_empty(environment, "AWS_PROFILE"), non_empty(environment, "AWS_DEFAULT_PROFILE")});
  const std::string profile_name = named_profile.value_or("default");
  const Profile profile(credentials, config, profile_name);
  if (named_profile && !profile.exists()) {
    throw StoreError("AWS profile '" + profile_name +
                     "' (from AWS_PROFILE) is in neither the shared credentials file nor the "
                     "config file");
  }

  S3Config result;
  const auto key_id = non_empty(environment, "AWS_ACCESS_KEY_ID");
  const auto secret = non_empty(environment, "AWS_SECRET_ACCESS_KEY");
  if (key_id && secret) {
    result.access_key_id = *key_id;
    result.secret_access_key = *secret;
    result.session_token = non_empty(environment, "AWS_SESSION_TOKEN").value_or("");
  } else if (auto file_key_id = profile.get("aws_access_key_id")) {
    result.access_key_id = *file_key_id;
    result.secret_access_key = profile.get("aws_secret_access_key").value_or("");
    result.session_token = profile.get("aws_session_token").value_or("");
  }
  if (result.access_key_id.empty() || result.secret_access_key.empty()) {
    throw StoreError(
        "no AWS credentials for the s3:// store: set AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, or aws_access_key_id and aws_secret_access_key in profile '" +
        profile_name + "' of ~/.aws/credentials");
  }

  if (auto region =
          first_of({non_empty(environment, "AWS_REGION"),
                    non_empty(environment, "AWS_DEFAULT_REGION"), profile.get("region")})) {
    result.region = *region;
  }

  const bool ignore_configured = environment("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") == "true";
  if (!ignore_configured) {
    for (const auto& [setting, value] :
         {std::pair{"AWS_ENDPOINT_URL_S3", non_empty(environment, "AWS_ENDPOINT_URL_S3")},
          std::pair{"AWS_ENDPOINT_URL", non_empty(environment, "AWS_ENDPOINT_URL")},
          std::pair{"endpoint_url (s3) in the AWS config", profile.get("s3.endpoint_url")},
          std::pair{"endpoint_url in the AWS config", profile.get("endpoint_url")}}) {
      if (!value) continue;
      result.endpoint_url = checked_endpoint(*value, setting);
      break;
    }
  }

  if (auto style = non_empty(environment, "CAH_S3_ADDRESSING")) {
    result.addressing = parse_addressing(*style, "CAH_S3_ADDRESSING");
  } else if (auto file_style = profile.get("s3.addressing_style")) {
    result.addressing = parse_addressing(*file_style, "addressing_style in the AWS config");
  }

  if (auto bundle = first_of({non_empty(environment, "AWS_CA_BUNDLE"), profile.get("ca_bundle")})) {
    result.ca_bundle = expand_home(*bundle, environment);
  }

  if (auto attempts = non_empty(environment, "AWS_MAX_ATTEMPTS")) {
    result.max_attempts = parse_attempts(*attempts, "AWS_MAX_ATTEMPTS");
  } else if (auto file_attempts = profile.get("max_attempts")) {
    result.max_attempts = parse_attempts(*file_attempts, "max_attempts in the AWS config");
  }
  return result;
}

}  // namespace store
