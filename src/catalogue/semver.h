#pragma once
// Versions as crates.io publishes them: SemVer 2.0, strictly parsed, ordered
// by precedence; and the rule that picks the one version of a crate a sweep
// tests.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace catalogue {

struct SemVer {
  /// A pre-release identifier. The variant's order is the spec's: numeric
  /// identifiers compare as numbers and sort before alphanumeric ones, which
  /// compare as ASCII.
  using Identifier = std::variant<uint64_t, std::string>;

  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  std::vector<Identifier> pre;
  /// Build metadata, without the '+'; kept, but no part of precedence.
  std::string build;

  /// Strict SemVer 2.0: no leading zeros in numeric parts or numeric
  /// pre-release identifiers, non-empty identifiers of [0-9A-Za-z-], no "v"
  /// prefix. Numbers past uint64 are rejected (nothing on crates.io needs
  /// them, and a bignum would cost every comparison).
  static std::optional<SemVer> parse(std::string_view text);

  bool is_prerelease() const { return !pre.empty(); }

  /// Precedence. Weak, not strong: 1.0.0+a and 1.0.0+b are equivalent but
  /// not equal (== compares every field, build metadata included).
  friend std::weak_ordering operator<=>(const SemVer& a, const SemVer& b);
  friend bool operator==(const SemVer& a, const SemVer& b) = default;
};

/// A total, deterministic order over version strings, lowest first: by
/// SemVer precedence; equal precedence (differing build metadata) broken by
/// the strings' bytes; a string that is not SemVer is lower than every one
/// that is, and such strings order among themselves by their bytes.
/// Negative if a < b, 0 if a == b, positive if a > b.
int compare_versions(std::string_view a, std::string_view b);

/// BestVersion picks the version of a crate to test from its versions, fed
/// one at a time in any order: never a yanked one; the highest stable
/// release if there is one (1.0.0 beats 2.0.0-rc.1); else the highest
/// pre-release; else, only when nothing parses, the highest string by
/// compare_versions. The result does not depend on the order of feeding.
class BestVersion {
 public:
  /// Returns whether `version` is now the best, so a caller can keep what
  /// goes with it (its checksum) without storing every version.
  bool offer(std::string_view version, bool yanked);

  bool has_value() const { return kind_ != Kind::kNone; }
  /// The version chosen so far; empty if none.
  const std::string& version() const { return version_; }

 private:
  // Ordered: a higher kind beats any version of a lower one.
  enum class Kind : uint8_t { kNone, kUnparsable, kPreRelease, kStable };

  std::string version_;
  Kind kind_ = Kind::kNone;
};

/// A crate's version to test (BestVersion's rule) from (version, yanked)
/// pairs; nullopt if every version is yanked or there is none.
template <typename Range>
std::optional<std::string> version_to_test(const Range& versions) {
  BestVersion best;
  for (const auto& [version, yanked] : versions) best.offer(version, yanked);
  if (!best.has_value()) return std::nullopt;
  return best.version();
}

}  // namespace catalogue
