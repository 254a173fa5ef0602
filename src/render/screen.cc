#include "render/screen.h"

#include <algorithm>
#include <cstring>

namespace render {

void Row::clear() {
  std::memset(static_cast<void*>(cells.data()), 0, sizeof(Cell) * static_cast<size_t>(used));
  used = 0;
  wrapped = false;
  has_wide = false;
  combining.clear();
}

int Row::visible_length() const {
  if (wrapped) return kColumns;
  int n = used;
  while (n > 0) {
    const Cell& cell = cells[n - 1];
    const bool invisible = (cell.cp == kBlank || cell.cp == ' ') &&
                           cell.style.bg == kDefaultColor &&
                           (cell.style.attributes & (kInverse | kUnderline | kStrike)) == 0;
    if (!invisible) break;
    const bool marked = std::any_of(combining.begin(), combining.end(),
                                    [&](const Combining& c) { return c.column == n - 1; });
    if (marked) break;
    --n;
  }
  return n;
}

// Before cells [from, to) of a row are overwritten: a wide character cut in
// half loses both halves, and combining marks leave with their cell.
void Screen::before_overwrite(Row& row, int from, int to) {
  if (row.has_wide) {
    if (from > 0 && row.cells[from].cp == kWideTail) row.cells[from - 1].cp = ' ';
    if (to < kColumns && row.cells[to].cp == kWideTail) row.cells[to].cp = ' ';
  }
  if (!row.combining.empty()) {
    std::erase_if(row.combining,
                  [&](const Combining& c) { return c.column >= from && c.column < to; });
  }
}

void Screen::wrap_if_pending() {
  if (!pending_wrap_) return;
  current().wrapped = true;
  next_line_for_wrap();
}

void Screen::next_line_for_wrap() {
  pending_wrap_ = false;
  column_ = 0;
  if (row_ == kRows - 1) {
    emit_top_row();
  } else {
    ++row_;
  }
}

const unsigned char* Screen::print_ascii(const unsigned char* text, const unsigned char* end) {
  while (text < end && is_printable_ascii(*text)) {
    wrap_if_pending();
    Row& row = current();
    const int room = static_cast<int>(std::min<ptrdiff_t>(kColumns - column_, end - text));
    Cell* const cell = &row.cells[column_];
    const Style pen = pen_;
    int count = 0;
    if (row.has_wide || !row.combining.empty()) {
      // Rare: measure the run first, so what it overwrites can be mended.
      while (count < room && is_printable_ascii(text[count])) ++count;
      before_overwrite(row, column_, column_ + count);
      for (int i = 0; i < count; ++i) cell[i] = Cell{text[i], pen};
    } else {
      for (; count < room && is_printable_ascii(text[count]); ++count) {
        cell[count] = Cell{text[count], pen};
      }
    }
    column_ += count;
    row.used = std::max(row.used, column_);
    text += count;
    if (column_ == kColumns) {
      column_ = kColumns - 1;
      pending_wrap_ = true;
    }
  }
  return text;
}

void Screen::print(char32_t cp, int width) {
  wrap_if_pending();
  if (width == 2 && column_ == kColumns - 1) {
    // No room for both halves: the character goes to the next row.
    Row& row = current();
    before_overwrite(row, column_, column_ + 1);
    row.cells[column_] = Cell{kBlank, pen_};
    row.used = kColumns;
    row.wrapped = true;
    next_line_for_wrap();
  }
  Row& row = current();
  before_overwrite(row, column_, column_ + width);
  row.cells[column_] = Cell{cp, pen_};
  if (width == 2) {
    row.cells[column_ + 1] = Cell{kWideTail, pen_};
    row.has_wide = true;
  }
  column_ += width;
  row.used = std::max(row.used, column_);
  if (column_ == kColumns) {
    column_ = kColumns - 1;
    pending_wrap_ = true;
  }
}

void Screen::add_combining(char32_t mark) {
  // The mark joins the character left of the cursor (or under it after a
  // character went into the last column).
  int column = pending_wrap_ ? column_ : column_ - 1;
  Row& row = current();
  if (column >= 0 && row.cells[column].cp == kWideTail) --column;
  if (column < 0) column = 0;
  if (row.cells[column].cp == kBlank) row.cells[column].cp = ' ';
  row.used = std::max(row.used, column + 1);
  auto it = std::find_if(row.combining.begin(), row.combining.end(),
                         [&](const Combining& c) { return c.column == column; });
  if (it == row.combining.end()) {
    row.combining.push_back(Combining{static_cast<uint16_t>(column), 0, {}});
    it = row.combining.end() - 1;
  }
  if (it->count < Combining::kMax) it->marks[it->count++] = mark;
}

void Screen::carriage_return() {
  column_ = 0;
  pending_wrap_ = false;
}

void Screen::line_feed() {
  pending_wrap_ = false;
  if (row_ == kRows - 1) {
    emit_top_row();
  } else {
    ++row_;
  }
}

void Screen::backspace() {
  pending_wrap_ = false;
  if (column_ > 0) --column_;
}

void Screen::tab() {
  if (pending_wrap_) return;
  int c = column_ + 1;
  while (c < kColumns - 1 && !tab_stops_[c]) ++c;
  column_ = std::min(c, kColumns - 1);
}

void Screen::reverse_index() {
  pending_wrap_ = false;
  if (row_ == 0) {
    scroll_down(1);
  } else {
    --row_;
  }
}

void Screen::move_to(int row, int column) {
  pending_wrap_ = false;
  row_ = std::clamp(row, 0, kRows - 1);
  column_ = std::clamp(column, 0, kColumns - 1);
}

void Screen::move_by(int rows, int columns) { move_to(row_ + rows, column_ + columns); }

void Screen::clear_cells(Row& row, int from, int to) {
  if (from >= to) return;
  before_overwrite(row, from, to);
  const Style blank{kDefaultColor, pen_.bg, 0};
  if (blank.is_default()) {
    const int end = std::min(to, row.used);
    for (int c = from; c < end; ++c) row.cells[c] = Cell{};
    if (to >= row.used) row.used = std::min(row.used, from);
  } else {
    // Background colour erase: the erased cells keep the pen's background.
    for (int c = from; c < to; ++c) row.cells[c] = Cell{kBlank, blank};
    row.used = std::max(row.used, to);
  }
  if (to == kColumns) row.wrapped = false;
}

void Screen::erase_in_line(int mode) {
  Row& row = current();
  switch (mode) {
    case 0:
      clear_cells(row, column_, kColumns);
      break;
    case 1:
      clear_cells(row, 0, column_ + 1);
      break;
    case 2:
      clear_cells(row, 0, kColumns);
      break;
    default:
      break;
  }
}

void Screen::erase_in_display(int mode) {
  switch (mode) {
    case 0:
      erase_in_line(0);
      for (int r = row_ + 1; r < kRows; ++r) clear_cells(row_at(r), 0, kColumns);
      break;
    case 1:
      for (int r = 0; r < row_; ++r) clear_cells(row_at(r), 0, kColumns);
      erase_in_line(1);
      break;
    case 2: {
      // Like today's terminals, push the screen into the scrollback instead
      // of losing it: a log keeps everything that was ever shown.
      const int last = last_visible_row();
      for (int r = 0; r <= last; ++r) {
        writer_.write(row_at(r));
        row_at(r).clear();
      }
      break;
    }
    default:
      break;  // 3 (clear scrollback): what was written stays written
  }
}

void Screen::erase_characters(int n) {
  clear_cells(current(), column_, std::min(kColumns, column_ + n));
}

void Screen::emit_top_row() {
  Row& top = rows_[top_];
  writer_.write(top);
  top.clear();
  top_ = (top_ + 1) & (kRows - 1);
}

int Screen::last_visible_row() {
  int last = kRows - 1;
  while (last >= 0 && row_at(last).is_blank()) --last;
  return last;
}

void Screen::scroll_up(int n) {
  for (int i = 0; i < std::min(n, kRows); ++i) emit_top_row();
}

void Screen::scroll_down(int n) {
  for (int i = 0; i < std::min(n, kRows); ++i) {
    // The bottom row falls off the screen, as on a terminal.
    top_ = (top_ - 1) & (kRows - 1);
    rows_[top_].clear();
  }
}

void Screen::clear_tab_stops(int mode) {
  if (mode == 0) tab_stops_[column_] = false;
  if (mode == 3) tab_stops_.fill(false);
}

void Screen::tab_stops_reset() {
  for (int c = 0; c < kColumns; ++c) tab_stops_[c] = c % 8 == 0;
}

void Screen::save_cursor() { saved_ = Saved{row_, column_, pending_wrap_, pen_}; }

void Screen::restore_cursor() {
  row_ = saved_.row;
  column_ = saved_.column;
  pending_wrap_ = saved_.pending_wrap;
  pen_ = saved_.pen;
}

void Screen::flush() {
  const int last = last_visible_row();
  for (int r = 0; r <= last; ++r) writer_.write(row_at(r));
  writer_.finish();
}

void Screen::reset() {
  for (Row& row : rows_) {
    row.used = kColumns;
    row.clear();
  }
  top_ = row_ = column_ = 0;
  pending_wrap_ = false;
  pen_ = Style{};
  saved_ = Saved{};
  tab_stops_reset();
}

}  // namespace render
