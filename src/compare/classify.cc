#include "compare/classify.h"

#include <utility>

namespace compare {
namespace {

using result::Outcome;

constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kNames = {{
    {"regressed", "Regressed"},
    {"fixed", "Fixed"},
    {"flaky", "Flaky"},
    {"new-ub", "New UB"},
    {"ub-gone", "UB gone"},
    {"ub-changed", "UB changed"},
    {"broken-or-error", "Broken or error in one run"},
    {"failed-differently", "Failed differently"},
    {"unchanged", "Unchanged"},
}};

bool broken_or_error(Outcome outcome) {
  return outcome == Outcome::kBroken || outcome == Outcome::kError;
}

}  // namespace

std::string_view category_name(Category category) {
  return kNames.at(static_cast<size_t>(category)).first;
}

std::string_view category_label(Category category) {
  return kNames.at(static_cast<size_t>(category)).second;
}

std::optional<Category> category_from_name(std::string_view name) {
  for (const Category category : kCategories) {
    if (category_name(category) == name) return category;
  }
  return std::nullopt;
}

Category classify(const Side& a, const Side& b) {
  // A crate that could not be tried in one run says nothing about the tool.
  if (broken_or_error(a.outcome) != broken_or_error(b.outcome)) return Category::kBrokenOrError;
  if (broken_or_error(a.outcome)) return Category::kUnchanged;
  const bool passed_a = a.outcome == Outcome::kPassed;
  const bool passed_b = b.outcome == Outcome::kPassed;
  if (passed_a && !passed_b) return Category::kRegressed;
  if (!passed_a && passed_b) return Category::kFixed;
  const bool ub_a = a.outcome == Outcome::kUndefinedBehavior;
  const bool ub_b = b.outcome == Outcome::kUndefinedBehavior;
  if (!ub_a && ub_b) return Category::kNewUb;
  if (ub_a && !ub_b) return Category::kUbGone;
  if (ub_a && ub_b) return a.kinds == b.kinds ? Category::kUnchanged : Category::kUbChanged;
  return a.outcome == b.outcome ? Category::kUnchanged : Category::kFailedDifferently;
}

}  // namespace compare
