#include "diagnosis/terminal_lines.h"

#include <algorithm>
#include <array>

namespace diagnosis {
namespace {

// Bytes that end a run of plain text: the C0 controls but tab, and DEL.
constexpr auto kNotText = [] {
  std::array<bool, 256> not_text{};
  for (int c = 0; c < 0x20; ++c) not_text[c] = c != '\t';
  not_text[0x7f] = true;
  return not_text;
}();

const char* end_of_text(const char* p, const char* end) {
  while (p < end && !kNotText[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

constexpr unsigned char kEsc = 0x1b;
constexpr unsigned char kBel = 0x07;

}  // namespace

std::optional<std::string_view> TerminalLines::next(std::string_view& input) {
  if (returned_) {
    line_.clear();
    returned_ = false;
  }
  const char* p = input.data();
  const char* const end = p + input.size();

  // Most lines are plain text, whole in the input: no copy.
  if (state_ == State::kText && line_.empty() && !redraw_) {
    const char* stop = end_of_text(p, end);
    size_t newline = 0;
    if (stop < end && *stop == '\n') {
      newline = 1;
    } else if (end - stop >= 2 && stop[0] == '\r' && stop[1] == '\n') {
      newline = 2;
    }
    if (newline != 0) {
      const std::string_view line(p, std::min<size_t>(stop - p, kMaxLine));
      input.remove_prefix(stop - p + newline);
      return line;
    }
  }

  while (p < end) {
    if (state_ == State::kText) {
      const char* stop = end_of_text(p, end);
      append(p, stop);
      p = stop;
      if (p == end) break;
    }
    if (step(static_cast<unsigned char>(*p++))) {
      input.remove_prefix(p - input.data());
      returned_ = true;
      return std::string_view(line_);
    }
  }
  input.remove_prefix(input.size());
  return std::nullopt;
}

std::optional<std::string_view> TerminalLines::finish() {
  if (returned_) line_.clear();
  state_ = State::kText;
  redraw_ = false;
  returned_ = true;
  if (line_.empty()) return std::nullopt;
  return std::string_view(line_);
}

bool TerminalLines::step(unsigned char c) {
  switch (state_) {
    case State::kText:
      if (!kNotText[c]) {  // text after a sequence that ended unexpectedly
        const char text = static_cast<char>(c);
        append(&text, &text + 1);
        return false;
      }
      if (c == '\n') {
        redraw_ = false;
        return true;
      }
      if (c == '\r') state_ = State::kCarriageReturn;
      if (c == kEsc) state_ = State::kEscape;
      return false;  // other controls (BEL, backspace, ...) show nothing
    case State::kCarriageReturn:
      state_ = State::kText;
      if (c == '\n') {
        redraw_ = false;
        return true;
      }
      redraw_ = true;
      return step(c);
    case State::kEscape:
      state_ = State::kText;
      if (c == '[') {
        state_ = State::kCsi;
        csi_param_ = 0;
      } else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
        state_ = State::kString;
      } else if (c >= 0x20 && c <= 0x2f) {
        state_ = State::kDesignator;
      } else if (c < 0x20) {
        return step(c);
      }
      return false;  // ESC 7, ESC =, ESC M, ...: one byte
    case State::kDesignator:
      state_ = State::kText;
      return c < 0x20 && step(c);
    case State::kCsi:
      if (c >= '0' && c <= '9') {
        csi_param_ = std::min(csi_param_ * 10 + (c - '0'), 9999u);
      } else if (c == ';') {
        csi_param_ = 0;
      } else if (c >= 0x20 && c <= 0x3f) {
        // private markers and intermediates
      } else if (c >= 0x40 && c <= 0x7e) {
        if (c == 'K') erase_in_line(csi_param_);
        state_ = State::kText;
      } else {
        state_ = State::kText;  // a control or stray byte cuts the sequence short
        return step(c);
      }
      return false;
    case State::kString:
      if (c == kBel) state_ = State::kText;
      if (c == kEsc) state_ = State::kStringEscape;
      // Real strings (hyperlinks, titles) never span lines; a stray ESC ]
      // must not swallow the rest of the log.
      if (c == '\n') {
        state_ = State::kText;
        return step(c);
      }
      return false;
    case State::kStringEscape:
      if (c == '\\') {
        state_ = State::kText;
        return false;
      }
      state_ = State::kEscape;
      return step(c);
  }
  return false;
}

void TerminalLines::append(const char* begin, const char* end) {
  if (begin == end) return;
  if (redraw_) {
    // The cursor went back to column 0: what follows replaces the line (a
    // simplification of overwriting it, exact when the new text is longer
    // or the line was erased first, as progress bars do).
    line_.clear();
    redraw_ = false;
  }
  const size_t room = kMaxLine - line_.size();
  line_.append(begin, std::min<size_t>(end - begin, room));
}

void TerminalLines::erase_in_line(unsigned mode) {
  // 0: from the cursor to the end, 2: all. The cursor is at column 0 after a
  // lone "\r"; elsewhere we do not track it, and text is only ever appended.
  if (mode == 2 || (mode == 0 && redraw_)) line_.clear();
}

}  // namespace diagnosis
