#pragma once
// RowWriter turns finished screen rows into HTML: escaped text, one span per
// run of cells of one style, a newline where the terminal's line ended.

#include <string>
#include <unordered_set>

#include "render/html_sink.h"
#include "render/row.h"
#include "render/ub_marker.h"

namespace render {

class RowWriter {
 public:
  explicit RowWriter(Sink sink) : out_(std::move(sink)) {}

  void write(const Row& row);
  /// Ends the last line if it was left open by a soft wrap, and flushes.
  void finish();

  bool found_ub() const { return ub_.found(); }
  /// CSS rules for the 24-bit colours used so far (the palette's are static).
  std::string truecolor_css() const;
  void reset();

 private:
  template <bool kWideOrMarks>
  char* write_cells(char* out, const Row& row, int length, bool& scan, bool& marked);
  char* open_span(char* out, const Style& style);
  static char* put_color_class(char* out, Color color, char kind);

  BufferedSink out_;
  UbMarker ub_;
  bool line_open_ = false;  // the last row written was soft-wrapped
  // 24-bit colours get a class each, defined once at the end of the page;
  // past this many distinct ones an inline style keeps memory bounded.
  static constexpr size_t kMaxTruecolorClasses = 4096;
  std::unordered_set<Color> truecolor_fg_, truecolor_bg_;
};

}  // namespace render
