#pragma once
// UbMarker finds the first report of undefined behaviour in a log, cell by
// cell as the renderer writes rows, so the page can anchor and scroll there.

#include <array>
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

  /// The markers that may start with c, a bit per entry of kMarkers; 0 for
  /// most characters, so a caller can test every cell cheaply.
  static unsigned candidates(char32_t c);
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

/// Whether `text` contains any of UbMarker::kMarkers.
bool contains_ub_marker(std::string_view text);

}  // namespace render
