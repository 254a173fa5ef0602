#pragma once
// Store is where all state lives: logs, pages, results, the catalogue
// snapshot. Backends are picked by URL scheme, as ccache picks its remote
// storage; nothing above this interface knows which one it talks to.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace store {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::chrono::system_clock::time_point last_modified;
};

/// A failure of the store itself (unwritable directory, bad key, ...).
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Store {
 public:
  virtual ~Store() = default;

  /// Writes the whole object at once: readers see the old one or the new
  /// one, never a mix.
  virtual void put(std::string_view key, std::string_view bytes) = 0;
  /// The object's bytes, or nothing if there is no such key.
  virtual std::optional<std::string> get(std::string_view key) = 0;
  virtual std::optional<ObjectInfo> head(std::string_view key) = 0;
  /// Every object whose key starts with `prefix`, in key order.
  virtual std::vector<ObjectInfo> list(std::string_view prefix) = 0;
  /// Removes the object; removing a missing key is not an error.
  virtual void remove(std::string_view key) = 0;

  /// The store's URL, for messages ("file:///srv/results").
  virtual std::string url() const = 0;
};

/// `file://DIR`, a plain directory path, or `s3://BUCKET[/PREFIX]`. Throws
/// StoreError for a URL it cannot serve.
std::unique_ptr<Store> open_store(std::string_view url);

/// The store a command uses when none is given: ./results.
inline constexpr std::string_view kDefaultStore = "file://results";

/// Keys are relative, '/'-separated, without empty, "." or ".." parts, so
/// that every backend maps them to the same tree. Throws StoreError.
void check_key(std::string_view key);

}  // namespace store
