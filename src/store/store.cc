#include "store/store.h"

#include <algorithm>

#include "store/file_store.h"
#include "store/s3_store.h"

namespace store {

void check_key(std::string_view key) {
  if (key.empty()) throw StoreError("empty store key");
  size_t start = 0;
  while (true) {
    const size_t slash = key.find('/', start);
    const std::string_view part = key.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") {
      throw StoreError("bad store key '" + std::string(key) +
                       "': parts must be non-empty and not '.' or '..'");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (key.find('\0') != std::string_view::npos) throw StoreError("bad store key: NUL byte");
}

void Store::put(std::string_view key, std::string_view bytes, std::string_view content_type) {
  const std::unique_ptr<ObjectWriter> writer = open_writer(key, content_type);
  writer->write(bytes);
  writer->commit();
}

std::unique_ptr<ObjectWriter> Store::open_writer(std::string_view key,
                                                 std::string_view content_type) {
  check_key(key);
  return do_open_writer(key, content_type);
}

std::unique_ptr<Store> open_store(std::string_view url) {
  if (url.starts_with("s3://")) {
    std::string_view rest = url.substr(5);
    const std::string_view bucket = rest.substr(0, rest.find('/'));
    rest.remove_prefix(std::min(rest.size(), bucket.size() + 1));
    while (rest.ends_with('/')) rest.remove_suffix(1);
    if (bucket.empty()) throw StoreError("store URL '" + std::string(url) + "' names no bucket");
    if (!rest.empty()) check_key(rest);
    return std::make_unique<S3Store>(std::string(bucket), std::string(rest), read_s3_config());
  }
  std::string_view path = url;
  if (url.starts_with("file://")) {
    path = url.substr(7);
  } else if (url.find("://") != std::string_view::npos) {
    throw StoreError("unknown store URL '" + std::string(url) +
                     "': expected file://DIR or s3://BUCKET[/PREFIX]");
  }
  if (path.empty()) throw StoreError("store URL '" + std::string(url) + "' names no directory");
  return std::make_unique<FileStore>(std::string(path));
}

bool Store::read(std::string_view key, const std::function<void(std::string_view)>& sink) {
  const std::optional<std::string> bytes = get(key);
  if (!bytes) return false;
  sink(*bytes);
  return true;
}

}  // namespace store
