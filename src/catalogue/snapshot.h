#pragma once
// The catalogue as the store keeps it, in crater-at-home's format:
// crates.json is [[name, version], ...], most downloaded first, and
// downloads.json is {name: recent downloads}. Later steps read the
// catalogue from there, so every step of a sweep sees the same crates.

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include "catalogue/catalogue.h"
#include "store/store.h"

namespace catalogue {

inline constexpr std::string_view kCratesKey = "crates.json";
inline constexpr std::string_view kDownloadsKey = "downloads.json";
/// Older than this, sync-catalogue makes a new snapshot.
inline constexpr auto kSnapshotMaxAge = std::chrono::hours(24);

/// A snapshot object that cannot be read or is malformed.
class SnapshotError : public std::runtime_error {
 public:
  SnapshotError(std::string key, const std::string& message)
      : std::runtime_error(message), key_(std::move(key)) {}
  /// crates.json or downloads.json.
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

void write_snapshot(store::Store& store, const Catalogue& catalogue);
/// The stored catalogue, or nothing if the store has none. Throws
/// SnapshotError naming the object that cannot be read or is malformed.
std::optional<Catalogue> read_snapshot(store::Store& store);
/// How old the stored snapshot is, or nothing if there is none.
std::optional<std::chrono::system_clock::duration> snapshot_age(store::Store& store);

}  // namespace catalogue
