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

TEST(UbMarker, OnlyTheFirstRowCounts) {
  UbMarker marker;
  EXPECT_FALSE(marker.scan("running 3 tests", false));
  EXPECT_TRUE(marker.scan("error: Undefined Behavior: boom", false));
  EXPECT_FALSE(marker.scan("error: Undefined Behavior: again", false));
  EXPECT_TRUE(marker.found());
}

TEST(UbMarker, FindsAMarkerAcrossAWrappedRow) {
  UbMarker marker;
  EXPECT_FALSE(marker.scan("............Undefined Beh", false));
  EXPECT_TRUE(marker.scan("avior: x", true));
}

TEST(UbMarker, DoesNotJoinRowsThatAreNotWrapped) {
  UbMarker marker;
  EXPECT_FALSE(marker.scan("............Undefined Beh", false));
  EXPECT_FALSE(marker.scan("avior: x", false));
}

TEST(UbMarker, ScansCellsInPlace) {
  std::vector<Cell> cells;
  for (char c : std::string_view("x ERROR: AddressSanitizer: heap-use-after-free")) {
    cells.push_back(Cell{static_cast<char32_t>(c), Style{}});
  }
  const int n = static_cast<int>(cells.size());
  UbMarker marker;
  EXPECT_EQ(UbMarker::candidates(U'x'), 0u);
  EXPECT_NE(UbMarker::candidates(U'E'), 0u);
  EXPECT_FALSE(marker.match_cells(cells.data(), 0, n));
  EXPECT_FALSE(marker.match_cells(cells.data(), 2, 20));  // cut short by the row's end
  EXPECT_TRUE(marker.match_cells(cells.data(), 2, n));
  EXPECT_TRUE(marker.found());
  EXPECT_FALSE(marker.match_cells(cells.data(), 2, n));  // only the first counts
}

}  // namespace
}  // namespace render
