#include "render/ub_marker.h"

#include <gtest/gtest.h>

namespace render {
namespace {

TEST(UbMarker, FindsEachMarker) {
  for (auto marker : UbMarker::kMarkers) {
    EXPECT_TRUE(contains_ub_marker("prefix " + std::string(marker) + " suffix")) << marker;
    // A marker cut short is not a marker.
    EXPECT_FALSE(contains_ub_marker(marker.substr(0, marker.size() - 1))) << marker;
  }
  EXPECT_FALSE(contains_ub_marker("test result: ok. 3 passed; 0 failed"));
  EXPECT_FALSE(contains_ub_marker(""));
}

std::vector<Cell> cells_of(std::string_view text) {
  std::vector<Cell> cells;
  for (char c : text) cells.push_back(Cell{static_cast<char32_t>(c), Style{}});
  return cells;
}

TEST(UbMarker, FindsAMarkerAcrossAWrappedRow) {
  const auto first = cells_of("............Undefined Beh");
  const auto second = cells_of("avior: x");
  UbMarker marker;
  marker.carry_tail(first.data(), static_cast<int>(first.size()));
  EXPECT_TRUE(marker.match_across(second.data(), static_cast<int>(second.size())));
  EXPECT_TRUE(marker.found());
}

TEST(UbMarker, NothingCarriedNothingFound) {
  const auto second = cells_of("avior: x");
  UbMarker marker;
  EXPECT_FALSE(marker.match_across(second.data(), static_cast<int>(second.size())));
}

TEST(UbMarker, ScansCellsInPlace) {
  const auto cells = cells_of("x ERROR: AddressSanitizer: heap-use-after-free");
  const int n = static_cast<int>(cells.size());
  UbMarker marker;
  EXPECT_EQ(UbMarker::candidates(U'x', U' '), 0u);
  EXPECT_EQ(UbMarker::candidates(U'E', U'x'), 0u);
  EXPECT_NE(UbMarker::candidates(U'E', U'R'), 0u);
  EXPECT_FALSE(marker.match_cells(cells.data(), 0, n));
  EXPECT_FALSE(marker.match_cells(cells.data(), 2, 20));  // cut short by the row's end
  EXPECT_TRUE(marker.match_cells(cells.data(), 2, n));
  EXPECT_TRUE(marker.found());
  EXPECT_FALSE(marker.match_cells(cells.data(), 2, n));  // only the first counts
}

}  // namespace
}  // namespace render
