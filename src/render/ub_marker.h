#pragma once
// UbMarker finds the first report of undefined behaviour in a log, cell by
// cell as the renderer writes rows, so the page can anchor and scroll there.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "render/style.h"

namespace render {

class UbMarker {
 public:
  /// Texts that open a report of undefined behaviour, as the tools print them.
  static constexpr std::array<std::string_view, 6> kMarkers = {
      "Undefined Behavior:",
      "ERROR: AddressSanitizer:",
      "unsafe precondition(s) violated",
      "misaligned pointer dereference",
      "attempted to leave type",
      "SIGILL: illegal instruction",
  };

  /// The markers that may start with the characters `first` and `second`,
  /// a bit per entry of kMarkers; 0 for almost every pair, so a caller can
  /// test every cell cheaply.
  static unsigned candidates(char32_t first, char32_t second);
  /// Whether a marker starts at cells[i] of a row of n cells; the first one
  /// found counts.
  bool match_cells(const Cell* cells, int i, int n);

  /// A soft-wrapped line spans rows, and a marker may straddle two of them:
  /// carry_tail() keeps the end of a row that wraps, match_across() looks
  /// for a marker that starts there and ends in the next row.
  void carry_tail(const Cell* cells, int n);
  bool match_across(const Cell* cells, int n);

  bool found() const { return found_; }
  void reset() { *this = UbMarker(); }

 private:
  bool found_ = false;
  std::string carry_;  // the end of a row that wraps, as ASCII
};

namespace detail {
// kMarkerStart[k][c]: the markers whose character k is c.
inline constexpr auto kMarkerStart = [] {
  std::array<std::array<uint8_t, 128>, 2> start{};
  for (size_t m = 0; m < UbMarker::kMarkers.size(); ++m) {
    for (size_t k = 0; k < 2; ++k)
      start[k][static_cast<uint8_t>(UbMarker::kMarkers[m][k])] |= 1u << m;
  }
  return start;
}();
}  // namespace detail

inline unsigned UbMarker::candidates(char32_t first, char32_t second) {
  if (first >= 0x80 || second >= 0x80) return 0;
  return detail::kMarkerStart[0][first] & detail::kMarkerStart[1][second];
}

/// Whether `text` contains any of UbMarker::kMarkers.
bool contains_ub_marker(std::string_view text);

}  // namespace render
