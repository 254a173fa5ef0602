#pragma once
// UbMarker finds the first report of undefined behaviour in a log, row by
// row as the renderer writes them, so the page can anchor and scroll there.

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

  /// Scans the plain text of one row. `continues` says the row continues the
  /// previous one (a soft-wrapped line), so a marker may straddle the two.
  /// Returns true for the row that holds the end of the first marker found.
  bool scan(std::string_view row_text, bool continues);

  /// The markers that may start with c, a bit per entry of kMarkers; 0 for
  /// most characters, so a caller can test every cell cheaply.
  static unsigned candidates(char32_t c);
  /// Whether a marker starts at cells[i] of a row of n cells that neither
  /// continues nor is continued; the first one found counts.
  bool match_cells(const Cell* cells, int i, int n);

  bool found() const { return found_; }
  void reset() { *this = UbMarker(); }

 private:
  bool found_ = false;
  std::string carry_;  // tail of the previous row, for markers across rows
};

/// Whether `text` contains any of UbMarker::kMarkers.
bool contains_ub_marker(std::string_view text);

}  // namespace render
