#pragma once
// The graphic state of one terminal cell: colours and attributes.

#include <bit>
#include <cstdint>

namespace render {

/// A colour: the terminal default, one of the 256 palette entries, or 24-bit.
using Color = uint32_t;
inline constexpr Color kDefaultColor = 0;
inline constexpr Color kPaletteTag = 0x01000000;
inline constexpr Color kRgbTag = 0x02000000;
// What inverse video produces from default colours: the page's own colours.
inline constexpr Color kPageForeground = 0x03000000;
inline constexpr Color kPageBackground = 0x03000001;
inline constexpr Color kTagMask = 0xff000000;

constexpr Color palette_color(unsigned index) { return kPaletteTag | (index & 0xff); }
constexpr Color rgb_color(unsigned r, unsigned g, unsigned b) {
  return kRgbTag | (r & 0xff) << 16 | (g & 0xff) << 8 | (b & 0xff);
}

enum Attribute : uint32_t {
  kBold = 1,
  kDim = 2,
  kItalic = 4,
  kUnderline = 8,
  kInverse = 16,
  kStrike = 32,
  kConceal = 64,
};

/// Packed into one 64-bit word: every cell carries one, and the writer
/// compares neighbours' styles once per cell.
struct Style {
  uint64_t fg : 26 = kDefaultColor;
  uint64_t bg : 26 = kDefaultColor;
  uint64_t attributes : 12 = 0;

  uint64_t bits() const { return std::bit_cast<uint64_t>(*this); }
  friend bool operator==(const Style& a, const Style& b) { return a.bits() == b.bits(); }
  bool is_default() const { return bits() == 0; }
};
static_assert(sizeof(Style) == sizeof(uint64_t));

/// Code points with a meaning of their own in a cell.
inline constexpr char32_t kBlank = 0;              // never written, or erased
inline constexpr char32_t kWideTail = 0xffffffff;  // right half of a wide character

struct Cell {
  char32_t cp = kBlank;
  Style style;
};

}  // namespace render
