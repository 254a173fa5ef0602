#include "tools/duration.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace tools {

namespace {

struct Unit {
  char letter;
  std::int64_t seconds;
};
constexpr Unit kUnits[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};

constexpr std::string_view kExpected =
    "expected seconds, or whole numbers with units d, h, m, s like 90s, 15m or 1h30m";

std::invalid_argument invalid(std::string_view text, std::string_view why) {
  return std::invalid_argument("invalid duration '" + std::string(text) + "': " + std::string(why));
}

}  // namespace

std::chrono::seconds parse_duration(std::string_view text) {
  if (text.empty()) throw invalid(text, "empty");
  if (text.front() == '-') throw invalid(text, "must not be negative");
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t total = 0;
  size_t next_unit = 0;  // index into kUnits: units only get smaller
  std::string_view rest = text;
  while (!rest.empty()) {
    std::uint64_t number = 0;
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), number);
    if (error == std::errc::result_out_of_range) throw invalid(text, "too large");
    if (error != std::errc{}) throw invalid(text, kExpected);
    rest.remove_prefix(end - rest.data());

    std::int64_t unit_seconds = 1;
    if (rest.empty()) {
      if (next_unit != 0) throw invalid(text, "missing a unit after the last number");
    } else {
      size_t unit = 0;
      while (unit < std::size(kUnits) && kUnits[unit].letter != rest.front()) ++unit;
      if (unit == std::size(kUnits)) throw invalid(text, kExpected);
      if (unit < next_unit) throw invalid(text, "units must go largest first, each at most once");
      next_unit = unit + 1;
      unit_seconds = kUnits[unit].seconds;
      rest.remove_prefix(1);
    }
    if (number > static_cast<std::uint64_t>((kMax - total) / unit_seconds))
      throw invalid(text, "too large");
    total += static_cast<std::int64_t>(number) * unit_seconds;
  }
  return std::chrono::seconds(total);
}

std::string format_duration(std::chrono::seconds duration) {
  std::int64_t left = duration.count();
  if (left <= 0) return std::to_string(left) + "s";
  std::string text;
  for (const Unit& unit : kUnits) {
    if (left >= unit.seconds) {
      text += std::to_string(left / unit.seconds) + unit.letter;
      left %= unit.seconds;
    }
  }
  return text;
}

}  // namespace tools
