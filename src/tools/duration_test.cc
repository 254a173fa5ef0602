#include "tools/duration.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace tools {
namespace {

using namespace std::chrono_literals;

std::string error_of(std::string_view text) {
  try {
    parse_duration(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(Duration, Units) {
  EXPECT_EQ(parse_duration("90s"), 90s);
  EXPECT_EQ(parse_duration("15m"), 15min);
  EXPECT_EQ(parse_duration("1h"), 1h);
  EXPECT_EQ(parse_duration("2d"), 48h);
  EXPECT_EQ(parse_duration("0s"), 0s);
}

TEST(Duration, CombinedUnitsLargestFirst) {
  EXPECT_EQ(parse_duration("1h30m"), 90min);
  EXPECT_EQ(parse_duration("1d2h3m4s"), 24h + 2h + 3min + 4s);
  EXPECT_EQ(parse_duration("1m90s"), 150s);
}

TEST(Duration, PlainSeconds) {
  EXPECT_EQ(parse_duration("120"), 120s);
  EXPECT_EQ(parse_duration("0"), 0s);
}

TEST(Duration, Errors) {
  const std::string expected =
      "expected seconds, or whole numbers with units d, h, m, s like 90s, 15m or 1h30m";
  EXPECT_EQ(error_of(""), "invalid duration '': empty");
  EXPECT_EQ(error_of("abc"), "invalid duration 'abc': " + expected);
  EXPECT_EQ(error_of("-5m"), "invalid duration '-5m': must not be negative");
  EXPECT_EQ(error_of("5x"), "invalid duration '5x': " + expected);
  EXPECT_EQ(error_of("1.5h"), "invalid duration '1.5h': " + expected);
  EXPECT_EQ(error_of(" 5m"), "invalid duration ' 5m': " + expected);
  EXPECT_EQ(error_of("m"), "invalid duration 'm': " + expected);
  EXPECT_EQ(error_of("1h30"), "invalid duration '1h30': missing a unit after the last number");
  EXPECT_EQ(error_of("30m1h"),
            "invalid duration '30m1h': units must go largest first, each at most once");
  EXPECT_EQ(error_of("1m1m"),
            "invalid duration '1m1m': units must go largest first, each at most once");
  EXPECT_EQ(error_of("99999999999999999999"), "invalid duration '99999999999999999999': too large");
  EXPECT_EQ(error_of("999999999999999999d"), "invalid duration '999999999999999999d': too large");
}

TEST(Duration, FormatsWhatItParses) {
  EXPECT_EQ(format_duration(0s), "0s");
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(90min), "1h30m");
  EXPECT_EQ(format_duration(48h + 5s), "2d5s");
  for (const auto seconds : {1s, 59s, 3600s, 86399s, 90061s}) {
    EXPECT_EQ(parse_duration(format_duration(seconds)), seconds);
  }
}

}  // namespace
}  // namespace tools
