#pragma once
// What the last sync of a tool saw, kept in the store at T/sync-state.json:
// for every crate version, the size and time of its raw log and result
// record, and the summary the site is made from. An entry whose stamps
// still match needs no request at all, so a sync over 100,000 unchanged
// results is two listings and one read.

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "store/store.h"

namespace publish {

/// An object as a listing shows it: enough to tell that it changed.
struct Stamp {
  uint64_t size = 0;
  int64_t modified_ms = 0;  // since the epoch

  static Stamp of(const store::ObjectInfo& info);
  friend bool operator==(const Stamp&, const Stamp&) = default;
};

struct Entry {  // NOLINT(bugprone-exception-escape): json's moves may throw
  Stamp raw;
  Stamp result;
  /// The crate's line in results.json and the site: crate, version,
  /// outcome, causes, times, memory (see sync.cc).
  nlohmann::json summary;
};

struct SyncState {
  int renderer_version = 0;
  int diagnosis_version = 0;
  /// False when the archives left out an object that could not be read:
  /// the next sync writes them again.
  bool archives_complete = true;
  /// "NAME/VERSION" -> entry.
  std::map<std::string, Entry, std::less<>> entries;
};

std::string state_key(std::string_view tool);
/// An empty state if there is none. Throws std::runtime_error naming what
/// is wrong when it cannot be read or parsed (sync then looks at
/// everything again: a slow sync, never a wrong one).
SyncState load_state(store::Store& store, std::string_view tool);
void save_state(store::Store& store, std::string_view tool, const SyncState& state);

}  // namespace publish
