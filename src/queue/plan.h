#pragma once
// Which of the selected crates a run takes: not those the store already
// holds a fresh result for (unless --rerun), not those on the ignore list.

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "catalogue/crate.h"
#include "store/store.h"

namespace queue {

struct PlanOptions {
  std::string tool;
  bool rerun = false;
  /// A result older than this is run again.
  std::chrono::hours rerun_older_than{24 * 30};
  /// Crate names never to run (they print gigabytes, then fail).
  std::set<std::string, std::less<>> ignore;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

struct Plan {
  std::vector<catalogue::Crate> to_run;  // in the selection's order
  size_t fresh = 0;                      // skipped: a result newer than the limit
  size_t ignored = 0;                    // skipped: on the ignore list
};

/// One listing of the tool's results, not one request per crate.
Plan make_plan(const std::vector<catalogue::Crate>& selected, store::Store& store,
               const PlanOptions& options);

}  // namespace queue
