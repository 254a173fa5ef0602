#pragma once
// The one outcome of a crate under a tool, in one vocabulary used everywhere:
// result records, results.json, the site, the progress line and summary.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace result {

enum class Outcome : uint8_t {
  kPassed,
  kBuildFailed,
  kTestFailed,
  kUndefinedBehavior,
  kTimedOut,
  kOutOfMemory,
  /// The crate could not be tried: a dependency no published version
  /// satisfies, only yanked versions left, a manifest cargo rejects, a
  /// rust-version newer than the toolchain. Not a failure of the tool.
  kBroken,
  /// Ours, not the crate's: a download that kept failing, a worker that
  /// died twice, a checksum that did not match.
  kError,
};

/// Every outcome, in the order pages and summaries list them.
inline constexpr std::array<Outcome, 8> kOutcomes = {
    Outcome::kPassed,   Outcome::kBuildFailed, Outcome::kTestFailed, Outcome::kUndefinedBehavior,
    Outcome::kTimedOut, Outcome::kOutOfMemory, Outcome::kBroken,     Outcome::kError,
};

/// "passed", "build-failed", "test-failed", "ub", "timed-out", "oom",
/// "broken", "error": the stored, machine-read names.
std::string_view outcome_name(Outcome outcome);
std::optional<Outcome> outcome_from_name(std::string_view name);
/// For people: "passed", "build failed", "UB", "timed out", ...
std::string_view outcome_label(Outcome outcome);

/// Whether the crate failed the tool (what a comparison calls a regression):
/// not passed, broken or error.
bool is_failure(Outcome outcome);

}  // namespace result
