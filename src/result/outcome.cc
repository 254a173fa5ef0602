#include "result/outcome.h"

namespace result {
namespace {

struct Names {
  Outcome outcome;
  std::string_view name;
  std::string_view label;
};

constexpr std::array<Names, 8> kNames = {{
    {Outcome::kPassed, "passed", "passed"},
    {Outcome::kBuildFailed, "build-failed", "build failed"},
    {Outcome::kTestFailed, "test-failed", "test failed"},
    {Outcome::kUndefinedBehavior, "ub", "UB"},
    {Outcome::kTimedOut, "timed-out", "timed out"},
    {Outcome::kOutOfMemory, "oom", "out of memory"},
    {Outcome::kBroken, "broken", "broken"},
    {Outcome::kError, "error", "error"},
}};

const Names& names_of(Outcome outcome) {
  for (const Names& names : kNames) {
    if (names.outcome == outcome) return names;
  }
  return kNames.back();
}

}  // namespace

std::string_view outcome_name(Outcome outcome) { return names_of(outcome).name; }
std::string_view outcome_label(Outcome outcome) { return names_of(outcome).label; }

std::optional<Outcome> outcome_from_name(std::string_view name) {
  for (const Names& names : kNames) {
    if (names.name == name) return names.outcome;
  }
  return std::nullopt;
}

bool is_failure(Outcome outcome) {
  switch (outcome) {
    case Outcome::kBuildFailed:
    case Outcome::kTestFailed:
    case Outcome::kUndefinedBehavior:
    case Outcome::kTimedOut:
    case Outcome::kOutOfMemory:
      return true;
    case Outcome::kPassed:
    case Outcome::kBroken:
    case Outcome::kError:
      return false;
  }
  return false;
}

}  // namespace result
