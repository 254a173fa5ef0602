#pragma once
// One row of the terminal screen.

#include <array>
#include <cstdint>
#include <vector>

#include "render/style.h"

namespace render {

inline constexpr int kColumns = 128;
inline constexpr int kRows = 64;  // a power of two: the rows are a ring

/// Combining marks attached to one cell of a row. Capped per cell so that a
/// hostile log cannot grow memory beyond the screen's size.
struct Combining {
  static constexpr size_t kMax = 8;
  uint16_t column = 0;
  uint8_t count = 0;
  std::array<char32_t, kMax> marks{};
};

struct Row {
  std::array<Cell, kColumns> cells{};
  int used = 0;           // cells at and past `used` are default blanks
  bool wrapped = false;   // the line goes on in the next row (soft wrap)
  bool has_wide = false;  // some cell holds a double-width character
  std::vector<Combining> combining;

  void clear();
  /// How many cells a reader sees: trailing blanks and plain spaces are
  /// dropped, as a terminal's copy does, unless the line wraps on.
  int visible_length() const;
  bool is_blank() const { return visible_length() == 0; }
};

}  // namespace render
