#pragma once
// `compare A B`: how the crates that two named runs both ran, at the same
// version, fared in B against A (compare/classify.h). Writes into the store
// of A, beside the runs:
//   compare/A..B/index.html        counts per category, a list per category
//                                  (most downloaded first) linking both logs
//   compare/A..B/compare.json      the same, for programs
//   compare/A..B/NAME/VERSION.html both logs side by side, their first
//                                  differing line marked (a crate that did
//                                  not change has none)
//   compare/A..B/state.json        what was compared, by the records' stamps
// Like sync, comparing again reads only records whose stamps changed.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compare/classify.h"
#include "publish/publish_state.h"
#include "result/record.h"
#include "store/store.h"

namespace compare {

/// Bumped when the same records would compare differently (the categories,
/// the normalization of lines, the pages' shape): everything is redone.
inline constexpr int kCompareVersion = 1;

/// One crate version both runs ran.
struct Comparison {
  std::string crate;
  std::string version;
  Side a;
  Side b;
  Category category = Category::kUnchanged;
  /// The first line (0-based) of the raw logs that differs; only for a
  /// crate that changed, nullopt when the logs are the same.
  std::optional<size_t> first_difference;
  publish::Stamp stamp_a;
  publish::Stamp stamp_b;
  /// The outcomes of the runs again (compare --retry), on each side.
  std::vector<result::Outcome> retries_a;
  std::vector<result::Outcome> retries_b;
  uint64_t downloads = 0;  // filled when the pages are written
};

/// One of the two runs.
struct Run {
  std::string name;
  /// From its newest record read (empty for records older than that field).
  result::RunIdentity identity;
  std::string toolchain;
};

/// Runs `crates` (name, version) once more as run `again`, with the tool
/// and toolchain `run` ran with, into the store that holds `run`: its
/// records are then at `again`/results/. `side_b`: the run is B.
using RunAgain =
    std::function<void(const Run& run, const std::string& again, bool side_b,
                       const std::vector<std::pair<std::string, std::string>>& crates)>;

struct CompareOptions {
  std::string a;
  std::string b;
  /// Compare every crate again.
  bool force = false;
  /// Lines of each log kept on a side-by-side page.
  size_t max_log_lines = 20000;
  /// Each crate newly regressed or fixed runs this many more times on each
  /// side (`run_again`); one whose outcome changes on a side is flaky.
  unsigned retry = 0;
  RunAgain run_again;
};

struct CompareStats {
  size_t records_a = 0;  // result records of each run
  size_t records_b = 0;
  size_t common = 0;    // crate versions both runs ran
  size_t reused = 0;    // taken from the state, no request made
  size_t compared = 0;  // records read and classified
  size_t pages = 0;     // side-by-side pages written
  size_t retried = 0;   // crates run again
  std::map<Category, size_t> counts;
};

/// "compare/A..B/".
std::string compare_prefix(std::string_view a, std::string_view b);
/// "RUN~retryN": where the Nth retry of a run's crates is stored.
std::string retry_name(std::string_view run, unsigned attempt);
/// "compare/A..B/NAME/VERSION.html".
std::string crate_page_key(std::string_view a, std::string_view b, std::string_view crate,
                           std::string_view version);

/// `store_a` holds run A and receives the comparison; `store_b` holds run
/// B and may be the same store. `downloads` ranks the lists. Throws
/// std::invalid_argument for a run name that is not one path segment,
/// std::runtime_error if a run has no results, store::StoreError if a
/// store fails.
CompareStats compare_runs(store::Store& store_a, store::Store& store_b,
                          const CompareOptions& options,
                          const std::map<std::string, uint64_t, std::less<>>& downloads);

}  // namespace compare
