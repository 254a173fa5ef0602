#pragma once
// What the site knows of one tested crate version: its outcome after
// diagnosis, what undefined behaviour was found, what it cost, and the facts
// of the run its record carries (older records lack some: empty then).

#include <cstdint>
#include <string>
#include <string_view>
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
  /// One of kOutcomes; another word is shown as it is.
  std::string outcome;
  std::vector<Finding> findings;  // non-empty for "ub"
  uint64_t downloads = 0;
  double wall_seconds = 0;
  uint64_t peak_memory_bytes = 0;
  /// Why, for "broken" (and "error"): "no matching package named `foo`".
  std::string reason;
  /// The run's facts as the record has them; "" when it does not.
  std::string toolchain;          // "nightly", "nightly-2024-05-01"
  std::string toolchain_version;  // "rustc 1.80.0-nightly (a1b2c3d 2024-04-30)"
  std::string flags;              // the tool's environment: "MIRIFLAGS=-Zmiri-strict-provenance"
  std::string registry;           // "crates-io", a mirror's URL, a local registry's path
  std::string engine;             // the Docker engine the crate ran on
  std::string started;            // ISO 8601, UTC: "2024-01-01T00:00:00Z"
};

/// The outcomes in the order the site lists them.
inline constexpr std::string_view kOutcomes[] = {
    "passed", "build-failed", "test-failed", "ub", "timed-out", "oom", "broken", "error"};

/// The newest version of each crate (by catalogue::compare_versions), ordered
/// by crate name. The pointers are into `entries`.
std::vector<const CrateEntry*> newest_versions(const std::vector<CrateEntry>& entries);

}  // namespace report
