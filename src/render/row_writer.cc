#include "render/row_writer.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <vector>

namespace render {

namespace {

// The most HTML one cell can produce: a closing and an opening span, an
// entity or a 4-byte character, and its combining marks.
constexpr size_t kMaxBytesPerCell = 192 + 6 + Combining::kMax * 4;
constexpr size_t kMaxBytesPerRow = 64 + kColumns * kMaxBytesPerCell;
static_assert(kMaxBytesPerRow <= BufferedSink::kCapacity - BufferedSink::kFlushAt);

char* put(char* out, std::string_view text) {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

char* put_utf8(char* out, char32_t cp) {
  if (cp < 0x80) {
    *out++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out++ = static_cast<char>(0xc0 | cp >> 6);
    *out++ = static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    *out++ = static_cast<char>(0xe0 | cp >> 12);
    *out++ = static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    *out++ = static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    *out++ = static_cast<char>(0xf0 | cp >> 18);
    *out++ = static_cast<char>(0x80 | (cp >> 12 & 0x3f));
    *out++ = static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    *out++ = static_cast<char>(0x80 | (cp & 0x3f));
  }
  return out;
}

char* put_text(char* out, char32_t cp) {
  switch (cp) {
    case kBlank:
      *out++ = ' ';
      return out;
    case '<':
      return put(out, "&lt;");
    case '>':
      return put(out, "&gt;");
    case '&':
      return put(out, "&amp;");
    case '"':
      return put(out, "&quot;");
    default:
      return put_utf8(out, cp);
  }
}

constexpr std::string_view kAnchor = R"(<span id="ub"></span>)";

// Printable ASCII that HTML takes as it is.
constexpr std::array<bool, 128> kPlainAscii = [] {
  std::array<bool, 128> plain{};
  for (int c = 0x20; c < 0x7f; ++c) plain[c] = c != '<' && c != '>' && c != '&' && c != '"';
  return plain;
}();

char* put_hex6(char* out, uint32_t rgb) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int shift = 20; shift >= 0; shift -= 4) *out++ = kDigits[rgb >> shift & 0xf];
  return out;
}

char* put_marks(char* out, const Row& row, int column) {
  for (const Combining& marks : row.combining) {
    if (marks.column != column) continue;
    for (size_t i = 0; i < marks.count; ++i) out = put_text(out, marks.marks[i]);
  }
  return out;
}

}  // namespace

void RowWriter::write(const Row& row) {
  const int length = row.visible_length();
  char* const start = out_.reserve(kMaxBytesPerRow);
  char* out = start;
  const Cell* const cells = row.cells.data();
  if (line_open_ && ub_.match_across(cells, length)) out = put(out, kAnchor);
  bool scan = !ub_.found();
  bool marked_here = false;

  // Most rows hold neither wide characters nor combining marks: their loop
  // skips those checks.
  if (row.has_wide || !row.combining.empty()) {
    out = write_cells<true>(out, row, length, scan, marked_here);
  } else {
    out = write_cells<false>(out, row, length, scan, marked_here);
  }
  if (row.wrapped) {
    ub_.carry_tail(cells, length);  // a marker may go on in the next row
  } else {
    *out++ = '\n';
  }
  line_open_ = row.wrapped;
  if (marked_here) {
    // Once per log: make room for the anchor in front of the row.
    std::memmove(start + kAnchor.size(), start, static_cast<size_t>(out - start));
    put(start, kAnchor);
    out += kAnchor.size();
  }
  out_.commit(out);
}

template <bool kWideOrMarks>
char* RowWriter::write_cells(char* out, const Row& row, int length, bool& scan, bool& marked) {
  const Cell* const cells = row.cells.data();
  for (int c = 0; c < length;) {
    // One span per run of cells of one style.
    const Style style = cells[c].style;
    const bool styled = !style.is_default();
    if (styled) out = open_span(out, style);
    do {
      const char32_t cp = cells[c].cp;
      if (kWideOrMarks && cp == kWideTail) continue;
      if (scan && c + 1 < length && UbMarker::candidates(cp, cells[c + 1].cp) != 0 &&
          ub_.match_cells(cells, c, length)) {
        scan = false;
        marked = true;
      }
      if (cp < 0x80 && kPlainAscii[cp]) {
        *out++ = static_cast<char>(cp);
      } else {
        out = put_text(out, cp);
      }
      if (kWideOrMarks) out = put_marks(out, row, c);
    } while (++c < length && cells[c].style == style);
    if (styled) out = put(out, "</span>");
  }
  return out;
}

void RowWriter::finish() {
  if (line_open_) out_.append("\n");
  line_open_ = false;
  out_.flush();
}

char* RowWriter::put_color_class(char* out, Color color, char kind) {
  *out++ = ' ';
  *out++ = kind;
  switch (color & kTagMask) {
    case kPaletteTag: {
      const unsigned index = color & 0xff;
      if (index >= 100) *out++ = static_cast<char>('0' + index / 100);
      if (index >= 10) *out++ = static_cast<char>('0' + index / 10 % 10);
      *out++ = static_cast<char>('0' + index % 10);
      return out;
    }
    case kRgbTag:
      *out++ = 'x';
      return put_hex6(out, color & 0xffffff);
    default:  // inverse video of a default colour: the page's other colour
      return put(out, color == kPageForeground ? "fg" : "bg");
  }
}

char* RowWriter::open_span(char* out, const Style& style) {
  Color fg = style.fg;
  Color bg = style.bg;
  if (style.attributes & kInverse) {
    fg = style.bg == kDefaultColor ? kPageBackground : style.bg;
    bg = style.fg == kDefaultColor ? kPageForeground : style.fg;
  }
  // A 24-bit colour gets a class while there is room for one more; past
  // that it is spelled inline, so memory stays bounded on hostile logs.
  auto needs_inline = [this](Color color, std::unordered_set<Color>& used) {
    if ((color & kTagMask) != kRgbTag) return false;
    if (used.size() < kMaxTruecolorClasses) used.insert(color);
    return !used.contains(color);
  };
  const bool fg_inline = needs_inline(fg, truecolor_fg_);
  const bool bg_inline = needs_inline(bg, truecolor_bg_);

  out = put(out, "<span");
  constexpr std::string_view kClassAttribute = R"( class=")";
  char* const classes = out = put(out, kClassAttribute);
  const uint32_t attributes = style.attributes;
  if (attributes & kBold) out = put(out, " b");
  if (attributes & kDim) out = put(out, " d");
  if (attributes & kItalic) out = put(out, " i");
  if (attributes & kUnderline) out = put(out, " u");
  if (attributes & kStrike) out = put(out, " s");
  if (attributes & kConceal) out = put(out, " h");
  if (fg != kDefaultColor && !fg_inline) out = put_color_class(out, fg, 'f');
  if (bg != kDefaultColor && !bg_inline) out = put_color_class(out, bg, 'g');
  if (out == classes) {
    out -= kClassAttribute.size();
  } else {
    // Each class was written with a leading separator; drop the first.
    std::memmove(classes, classes + 1, static_cast<size_t>(out - classes - 1));
    out[-1] = '"';
  }
  if (fg_inline || bg_inline) {
    out = put(out, R"( style=")");
    if (fg_inline) out = put_hex6(put(out, "color:#"), fg & 0xffffff);
    if (fg_inline && bg_inline) *out++ = ';';
    if (bg_inline) out = put_hex6(put(out, "background:#"), bg & 0xffffff);
    *out++ = '"';
  }
  *out++ = '>';
  return out;
}

std::string RowWriter::truecolor_css() const {
  std::vector<Color> fg(truecolor_fg_.begin(), truecolor_fg_.end());
  std::vector<Color> bg(truecolor_bg_.begin(), truecolor_bg_.end());
  std::sort(fg.begin(), fg.end());
  std::sort(bg.begin(), bg.end());
  std::string css;
  char rule[64];
  for (Color c : fg) {
    std::snprintf(rule, sizeof rule, ".fx%06x{color:#%06x}", c & 0xffffff, c & 0xffffff);
    css += rule;
  }
  for (Color c : bg) {
    std::snprintf(rule, sizeof rule, ".gx%06x{background:#%06x}", c & 0xffffff, c & 0xffffff);
    css += rule;
  }
  return css;
}

void RowWriter::reset() {
  ub_.reset();
  line_open_ = false;
  truecolor_fg_.clear();
  truecolor_bg_.clear();
}

}  // namespace render
