#pragma once
// What the site knows of one tested crate version: its outcome after
// diagnosis, what undefined behaviour was found, and what it cost.

#include <cstdint>
#include <string>
#include <vector>

namespace report {

/// One report of undefined behaviour in a log.
struct Finding {
  std::string kind;          // "Stacked Borrows", "dangling pointer", ...
  std::string source_crate;  // where the UB happens; may be a dependency
  bool possible_false_positive = false;
};

struct CrateEntry {
  std::string crate;
  std::string version;
  /// result::outcome_name(): "passed", "build-failed", "test-failed", "ub",
  /// "timed-out", "oom", "broken", "error"; another word is shown as it is.
  std::string outcome;
  std::vector<Finding> findings;  // non-empty for "ub"
  uint64_t downloads = 0;
  double wall_seconds = 0;
  uint64_t peak_memory_bytes = 0;
};

/// The outcomes in the order the site lists them.
inline constexpr const char* kOutcomes[] = {"passed",    "build-failed", "test-failed", "ub",
                                            "timed-out", "oom",          "broken",      "error"};

/// The newest version of each crate (by catalogue::compare_versions), ordered
/// by crate name. The pointers are into `entries`.
std::vector<const CrateEntry*> newest_versions(const std::vector<CrateEntry>& entries);

}  // namespace report
