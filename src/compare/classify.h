#pragma once
// How a crate fared in run B against run A, in one word. Each crate gets
// one category, the first that fits in this order: broken-or-error (in
// only one run), regressed, fixed, new-ub, ub-gone, ub-changed,
// failed-differently, unchanged (docs/compare.md); a regressed or fixed
// crate whose outcome changes when run again is flaky (compare --retry).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result/outcome.h"

namespace compare {

enum class Category : uint8_t {
  kRegressed,  // passed in A; failed (build, test, UB, time, memory) in B
  kFixed,      // the reverse
  /// Regressed or fixed at first, but a run's outcome changed when the
  /// crate ran again (compare --retry): not a change of the tool.
  kFlaky,
  kNewUb,              // failed without UB in A, UB in B
  kUbGone,             // the reverse
  kUbChanged,          // UB in both, of different kinds
  kBrokenOrError,      // broken or our error in only one of the runs
  kFailedDifferently,  // failed in both, neither with UB, differently
  kUnchanged,
};

inline constexpr std::array<Category, 9> kCategories = {
    Category::kRegressed,     Category::kFixed,
    Category::kFlaky,         Category::kNewUb,
    Category::kUbGone,        Category::kUbChanged,
    Category::kBrokenOrError, Category::kFailedDifferently,
    Category::kUnchanged,
};

/// "regressed", "fixed", "flaky", "new-ub", "ub-gone", "ub-changed",
/// "broken-or-error", "failed-differently", "unchanged".
std::string_view category_name(Category category);
std::optional<Category> category_from_name(std::string_view name);
/// For people: "Regressed", "New UB", ...
std::string_view category_label(Category category);

/// One crate version in one run, as a comparison needs it.
struct Side {
  result::Outcome outcome = result::Outcome::kError;
  /// The kinds of the causes the diagnosis found ("data race", ...),
  /// sorted, each once.
  std::vector<std::string> kinds;

  friend bool operator==(const Side&, const Side&) = default;
};

Category classify(const Side& a, const Side& b);

}  // namespace compare
