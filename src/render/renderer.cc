#include "render/renderer.h"

#include <utf8proc.h>

#include <algorithm>

namespace render {

namespace {

constexpr unsigned char kEsc = 0x1b;
constexpr char32_t kReplacement = 0xfffd;
constexpr int kMaxParam = 65535;
// A string sequence (OSC, DCS, APC, PM, SOS) that never ends would swallow
// the rest of the log; past this length it is dropped and printing resumes.
constexpr size_t kMaxStringLength = 1 << 20;

}  // namespace

Renderer::Renderer(Sink sink) : writer_(std::move(sink)) {}

void Renderer::feed(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* const end = p + bytes.size();
  while (p < end) {
    if (state_ == State::kGround && utf8_need_ == 0 && is_printable_ascii(*p)) {
      // The common case: a run of plain text goes to the screen at once.
      p = screen_.print_ascii(p, end);
      continue;
    }
    if (state_ == State::kCsi) {
      // Parameters are most of an SGR sequence: take them in a tight loop.
      while (p < end && ((*p >= '0' && *p <= '9') || *p == ';' || *p == ':')) {
        parameter_byte(*p++);
      }
      if (p == end) break;
    }
    step(*p++);
  }
}

void Renderer::finish() {
  if (utf8_need_ != 0) abandon_utf8();
  screen_.flush();
  screen_.reset();
  state_ = State::kGround;
}

void Renderer::step(unsigned char byte) {
  // CAN and SUB cancel any sequence; ESC starts a new one (ending a string).
  if (byte == 0x18 || byte == 0x1a) {
    if (utf8_need_ != 0) abandon_utf8();
    state_ = State::kGround;
    return;
  }
  switch (state_) {
    case State::kGround:
      if (byte >= 0x80 || utf8_need_ != 0) {
        decode_utf8(byte);
      } else if (byte == kEsc) {
        begin_sequence();
        state_ = State::kEscape;
      } else if (byte < 0x20) {
        execute(byte);
      } else if (byte != 0x7f) {
        screen_.print_ascii(&byte, &byte + 1);
      }
      return;
    case State::kEscape:
      if (byte == kEsc) return begin_sequence();
      if (byte < 0x20) return execute(byte);
      if (byte >= 0x20 && byte < 0x30) {
        state_ = State::kEscapeIntermediate;
        return;
      }
      switch (byte) {
        case '[':
          state_ = State::kCsi;
          return;
        case ']':
          osc_ = true;
          [[fallthrough]];
        case 'P':
        case 'X':
        case '^':
        case '_':
          string_length_ = 0;
          state_ = State::kString;
          return;
        default:
          state_ = State::kGround;
          return escape_dispatch(byte);
      }
    case State::kEscapeIntermediate:
      if (byte == kEsc) {
        begin_sequence();
        state_ = State::kEscape;
      } else if (byte < 0x20) {
        execute(byte);
      } else if (byte >= 0x30) {
        state_ = State::kGround;  // charset designations and the like: not ours
      }
      return;
    case State::kCsi:
      if (byte == kEsc) {
        begin_sequence();
        state_ = State::kEscape;
      } else if (byte < 0x20) {
        execute(byte);
      } else if ((byte >= '0' && byte <= '9') || byte == ';' || byte == ':') {
        parameter_byte(byte);
      } else if (byte < 0x40) {
        // An intermediate byte, or a private marker ('?' of the DEC modes).
        csi_private_ = true;
      } else if (byte >= 0x40 && byte < 0x7f) {
        state_ = State::kGround;
        if (!csi_private_) csi_dispatch(byte);
      }
      return;
    case State::kString:
      if (byte == kEsc) {
        state_ = State::kStringEscape;
      } else if (byte == 0x07 || (osc_ && (byte == '\n' || byte == '\r')) ||
                 ++string_length_ > kMaxStringLength) {
        // BEL ends an OSC; a line break never belongs in one, and a runaway
        // string must not eat the rest of the log.
        state_ = State::kGround;
        execute(byte);
      }
      return;
    case State::kStringEscape:
      if (byte == '\\') {
        state_ = State::kGround;
        return;
      }
      begin_sequence();
      state_ = State::kEscape;
      return step(byte);
  }
}

void Renderer::begin_sequence() {
  if (utf8_need_ != 0) abandon_utf8();
  param_count_ = 0;
  csi_private_ = false;
  osc_ = false;
}

// Digits, ';' between parameters and ':' between sub-parameters. An
// omitted parameter is -1; past kMaxParams the last one absorbs the rest.
void Renderer::parameter_byte(unsigned char byte) {
  auto next = [this](bool colon) {
    if (param_count_ == kMaxParams) return;
    params_[param_count_] = -1;
    colon_[param_count_] = colon;
    ++param_count_;
  };
  if (param_count_ == 0) next(false);
  if (byte == ';' || byte == ':') {
    next(byte == ':');
    return;
  }
  int& value = params_[param_count_ - 1];
  value = std::min(kMaxParam, std::max(value, 0) * 10 + (byte - '0'));
}

void Renderer::execute(unsigned char byte) {
  switch (byte) {
    case '\r':
      screen_.carriage_return();
      break;
    case '\n':
    case 0x0b:  // VT and FF move down like LF, as xterm does
    case 0x0c:
      screen_.line_feed();
      break;
    case 0x08:
      screen_.backspace();
      break;
    case '\t':
      screen_.tab();
      break;
    default:
      break;  // BEL, NUL, SO, SI, ...: nothing to show
  }
}

void Renderer::escape_dispatch(unsigned char final_byte) {
  switch (final_byte) {
    case '7':
      screen_.save_cursor();
      break;
    case '8':
      screen_.restore_cursor();
      break;
    case 'D':
      screen_.line_feed();
      break;
    case 'E':
      screen_.carriage_return();
      screen_.line_feed();
      break;
    case 'M':
      screen_.reverse_index();
      break;
    case 'H':
      screen_.set_tab_stop();
      break;
    case 'c':
      // Full reset: what was shown stays in the log, the rest starts anew.
      screen_.erase_in_display(2);
      screen_.move_to(0, 0);
      screen_.pen() = Style{};
      break;
    default:
      break;
  }
}

int Renderer::param(size_t i, int fallback) const {
  if (i >= param_count_ || params_[i] <= 0) return fallback;
  return params_[i];
}

void Renderer::csi_dispatch(unsigned char final_byte) {
  const int n = param(0, 1);
  switch (final_byte) {
    case 'A':
      screen_.move_by(-n, 0);
      break;   // CUU
    case 'B':  // CUD
    case 'e':
      screen_.move_by(n, 0);
      break;   // VPR
    case 'C':  // CUF
    case 'a':
      screen_.move_by(0, n);
      break;  // HPR
    case 'D':
      screen_.move_by(0, -n);
      break;  // CUB
    case 'E':
      screen_.move_to(screen_.row() + n, 0);
      break;  // CNL
    case 'F':
      screen_.move_to(screen_.row() - n, 0);
      break;   // CPL
    case 'G':  // CHA
    case '`':
      screen_.move_to(screen_.row(), n - 1);
      break;   // HPA
    case 'H':  // CUP
    case 'f':
      screen_.move_to(n - 1, param(1, 1) - 1);
      break;  // HVP
    case 'd':
      screen_.move_to(n - 1, screen_.column());
      break;  // VPA
    case 'J':
      screen_.erase_in_display(param(0, 0));
      break;
    case 'K':
      screen_.erase_in_line(param(0, 0));
      break;
    case 'X':
      screen_.erase_characters(n);
      break;
    case 'S':
      screen_.scroll_up(n);
      break;
    case 'T':
      screen_.scroll_down(n);
      break;
    case 'g':
      screen_.clear_tab_stops(param(0, 0));
      break;
    case 's':
      screen_.save_cursor();
      break;
    case 'u':
      screen_.restore_cursor();
      break;
    case 'm':
      select_graphic_rendition();
      break;
    default:
      break;
  }
}

// Reads a 256-colour or 24-bit colour after a 38/48/58 at params_[i], in
// either form: colon sub-parameters (38:5:N, 38:2:[CS]:R:G:B) or the common
// semicolon one (38;5;N, 38;2;R;G;B). Leaves i on the last parameter used;
// a malformed colour leaves `target` as it was.
Color Renderer::extended_color(size_t& i, Color target) {
  size_t group_end = i + 1;
  while (group_end < param_count_ && colon_[group_end]) ++group_end;
  auto value = [this](size_t k) { return k < param_count_ ? std::max(params_[k], 0) : 0; };
  if (group_end > i + 1) {
    // Colon form: the whole group belongs to this colour.
    const int kind = value(i + 1);
    const size_t count = group_end - i - 2;  // values after the kind
    if (kind == 5 && count >= 1) target = palette_color(value(i + 2));
    if (kind == 2 && count >= 3) {
      const size_t r = i + 2 + (count >= 4 ? 1 : 0);  // skip the colour space
      target = rgb_color(value(r), value(r + 1), value(r + 2));
    }
    i = group_end - 1;
    return target;
  }
  const int kind = value(i + 1);
  if (kind == 5) {
    if (i + 2 < param_count_) target = palette_color(value(i + 2));
    i += 2;
  } else if (kind == 2) {
    if (i + 4 < param_count_) target = rgb_color(value(i + 2), value(i + 3), value(i + 4));
    i += 4;
  } else {
    i += 1;
  }
  return target;
}

void Renderer::select_graphic_rendition() {
  Style& pen = screen_.pen();
  if (param_count_ == 0) {
    pen = Style{};
    return;
  }
  for (size_t i = 0; i < param_count_; ++i) {
    const int p = std::max(params_[i], 0);
    // Sub-parameters of a code that takes none (4:3 is an underline style).
    auto skip_group = [&] {
      while (i + 1 < param_count_ && colon_[i + 1]) ++i;
    };
    switch (p) {
      case 0:
        pen = Style{};
        break;
      case 1:
        pen.attributes |= kBold;
        break;
      case 2:
        pen.attributes |= kDim;
        break;
      case 3:
        pen.attributes |= kItalic;
        break;
      case 4:
        if (i + 1 < param_count_ && colon_[i + 1] && params_[i + 1] == 0) {
          pen.attributes &= ~kUnderline;
        } else {
          pen.attributes |= kUnderline;
        }
        skip_group();
        break;
      case 7:
        pen.attributes |= kInverse;
        break;
      case 8:
        pen.attributes |= kConceal;
        break;
      case 9:
        pen.attributes |= kStrike;
        break;
      case 21:
        pen.attributes |= kUnderline;
        break;
      case 22:
        pen.attributes &= ~(kBold | kDim);
        break;
      case 23:
        pen.attributes &= ~kItalic;
        break;
      case 24:
        pen.attributes &= ~kUnderline;
        break;
      case 27:
        pen.attributes &= ~kInverse;
        break;
      case 28:
        pen.attributes &= ~kConceal;
        break;
      case 29:
        pen.attributes &= ~kStrike;
        break;
      case 38:
        pen.fg = extended_color(i, pen.fg);
        break;
      case 39:
        pen.fg = kDefaultColor;
        break;
      case 48:
        pen.bg = extended_color(i, pen.bg);
        break;
      case 49:
        pen.bg = kDefaultColor;
        break;
      case 58:
        extended_color(i, kDefaultColor);  // underline colour: not drawn
        break;
      default:
        if (p >= 30 && p <= 37)
          pen.fg = palette_color(p - 30);
        else if (p >= 40 && p <= 47)
          pen.bg = palette_color(p - 40);
        else if (p >= 90 && p <= 97)
          pen.fg = palette_color(p - 90 + 8);
        else if (p >= 100 && p <= 107)
          pen.bg = palette_color(p - 100 + 8);
        skip_group();
        break;
    }
  }
}

void Renderer::decode_utf8(unsigned char byte) {
  if (utf8_need_ == 0) {
    if (byte < 0x80) return step(byte);
    utf8_have_ = 1;
    if (byte >= 0xc2 && byte <= 0xdf) {
      utf8_need_ = 1;
      utf8_cp_ = byte & 0x1f;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      utf8_need_ = 2;
      utf8_cp_ = byte & 0x0f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      utf8_need_ = 3;
      utf8_cp_ = byte & 0x07;
    } else {
      utf8_have_ = 0;
      print(kReplacement);
    }
    utf8_lead_ = byte;
    return;
  }
  // The second byte of some sequences has a narrower range: that is what
  // rules out overlong forms, surrogates and code points past U+10FFFF.
  unsigned char low = 0x80, high = 0xbf;
  if (utf8_have_ == 1) {
    if (utf8_lead_ == 0xe0) low = 0xa0;
    if (utf8_lead_ == 0xed) high = 0x9f;
    if (utf8_lead_ == 0xf0) low = 0x90;
    if (utf8_lead_ == 0xf4) high = 0x8f;
  }
  if (byte < low || byte > high) {
    abandon_utf8();
    if (state_ == State::kGround && byte >= 0x80) return decode_utf8(byte);
    return step(byte);
  }
  utf8_cp_ = utf8_cp_ << 6 | (byte & 0x3f);
  ++utf8_have_;
  if (--utf8_need_ == 0) print(utf8_cp_);
}

// Every byte of an unfinished sequence shows as one U+FFFD.
void Renderer::abandon_utf8() {
  const int bytes = utf8_have_;
  utf8_need_ = 0;
  utf8_have_ = 0;
  for (int i = 0; i < bytes; ++i) print(kReplacement);
}

void Renderer::print(char32_t cp) {
  if (cp >= 0x80 && cp < 0xa0) return;  // C1 controls: nothing to show
  const int width = utf8proc_charwidth(static_cast<utf8proc_int32_t>(cp));
  if (width == 0) {
    screen_.add_combining(cp);
  } else {
    screen_.print(cp, width >= 2 ? 2 : 1);
  }
}

}  // namespace render
