#pragma once
// Screen is the terminal's 128x64 grid of cells and its cursor. Rows that
// scroll off the top go to the RowWriter at once; the rest wait for finish().

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "render/row.h"
#include "render/row_writer.h"
#include "render/style.h"

namespace render {

constexpr bool is_printable_ascii(unsigned char b) { return b >= 0x20 && b < 0x7f; }

class Screen {
 public:
  explicit Screen(RowWriter& writer) : writer_(writer) { tab_stops_reset(); }

  Style& pen() { return pen_; }

  /// Prints the run of printable ASCII that starts at text; returns where
  /// it ends. The hot path of every log.
  const unsigned char* print_ascii(const unsigned char* text, const unsigned char* end);
  void print(char32_t cp, int width);
  void add_combining(char32_t mark);

  void carriage_return();
  void line_feed();
  void backspace();
  void tab();
  void reverse_index();

  void move_to(int row, int column);
  void move_by(int rows, int columns);
  int row() const { return row_; }
  int column() const { return column_; }

  void erase_in_line(int mode);
  void erase_in_display(int mode);
  void erase_characters(int n);
  void scroll_up(int n);
  void scroll_down(int n);

  void set_tab_stop() { tab_stops_[column_] = true; }
  void clear_tab_stops(int mode);

  void save_cursor();
  void restore_cursor();

  /// Writes every row that is not blank up to the last one that is not,
  /// then starts a clean screen (full reset, end of log).
  void flush();
  void reset();

 private:
  Row& row_at(int r) { return rows_[(top_ + r) & (kRows - 1)]; }
  Row& current() { return row_at(row_); }
  void wrap_if_pending();
  void next_line_for_wrap();
  void emit_top_row();
  int last_visible_row();
  void clear_cells(Row& row, int from, int to);
  void before_overwrite(Row& row, int from, int to);
  void tab_stops_reset();

  RowWriter& writer_;
  std::array<Row, kRows> rows_{};
  int top_ = 0;  // index in rows_ of screen row 0
  int row_ = 0;
  int column_ = 0;
  bool pending_wrap_ = false;  // a character went into the last column
  Style pen_;
  std::array<bool, kColumns> tab_stops_{};

  struct Saved {
    int row = 0, column = 0;
    bool pending_wrap = false;
    Style pen;
  } saved_;
};

}  // namespace render
