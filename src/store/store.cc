#include "store/store.h"

#include "store/file_store.h"

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
    throw StoreError("the S3 store is not built yet: use a file:// store (" + std::string(url) +
                     ")");
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

}  // namespace store
