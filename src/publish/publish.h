#pragma once
// `sync` for one tool: brings the store's derived objects up to date with
// its raw logs and result records, doing only what changed. A raw log that
// changed (or a renderer that changed) is rendered again; a log whose
// diagnosis rules changed is diagnosed again; then results.json, the site
// pages and, if anything changed, the archives are written. Everything it
// saw is kept in T/sync-state.json for the next time.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "store/read_ahead.h"
#include "store/store.h"

namespace publish {

struct SyncOptions {
  std::string tool;
  /// Render and diagnose every log again.
  bool force = false;
  /// Write T/raw.tar.xz and T/html.tar.xz when something changed.
  bool archives = true;
  /// How the records, and the logs for the archives, are read ahead of
  /// their use: a store far away is read several requests at a time.
  store::ReadAheadOptions read_ahead;
};

/// An object sync could not use, and why: left out of this sync (the site
/// keeps the crate's last line, if it had one) and tried again next time.
struct Skipped {
  std::string key;
  std::string reason;
};

struct SyncStats {
  size_t results = 0;    // result records in the store
  size_t unchanged = 0;  // taken from the state, no request made
  size_t rendered = 0;   // pages rendered again
  size_t diagnosed = 0;  // logs diagnosed again
  size_t missing_raw = 0;
  size_t upgraded = 0;  // records of an older shape, stored again
  bool archives_written = false;
  /// One per object, in the order met.
  std::vector<Skipped> skipped;
};

/// `downloads` ranks the site's lists (crate name -> recent downloads).
SyncStats sync_tool(store::Store& store, const SyncOptions& options,
                    const std::map<std::string, uint64_t, std::less<>>& downloads);

}  // namespace publish
