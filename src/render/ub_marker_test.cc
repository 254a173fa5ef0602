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
  UbMarker marker;
  EXPECT_TRUE(marker.scan_cells(cells.data(), static_cast<int>(cells.size())));
  UbMarker partial;
  EXPECT_FALSE(partial.scan_cells(cells.data(), 20));
}

}  // namespace
}  // namespace render
