#pragma once
// Renderer is a streaming terminal emulator: raw pty bytes in, HTML out.
// It keeps one 128x64 screen; rows that scroll off the top are written at
// once, so memory is bounded by the screen whatever the size of the log.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "render/html_sink.h"
#include "render/row_writer.h"
#include "render/screen.h"

namespace render {

class Renderer {
 public:
  /// Writes the log as the inside of a <pre>: one line of HTML per logical
  /// line of the terminal, spans carrying CSS classes (see stylesheet.h).
  explicit Renderer(Sink sink);

  void feed(std::string_view bytes);
  /// Writes what is left on the screen (trailing blank rows dropped) and
  /// flushes the sink. Feeding after finish() starts a new screen.
  void finish();

  /// True once a report of undefined behaviour was seen; the first one got
  /// the anchor `id="ub"`.
  bool found_ub() const { return writer_.found_ub(); }
  /// CSS rules for the 24-bit colours the log used (after finish()).
  std::string truecolor_css() const { return writer_.truecolor_css(); }

 private:
  enum class State : uint8_t {
    kGround,
    kEscape,
    kEscapeIntermediate,
    kCsi,
    kString,
    kStringEscape,
  };

  void print(char32_t cp);
  void execute(unsigned char byte);
  void escape_dispatch(unsigned char final_byte);
  void csi_dispatch(unsigned char final_byte);
  void select_graphic_rendition();
  void decode_utf8(unsigned char byte);
  void abandon_utf8();
  Color extended_color(size_t& i, Color target);
  int param(size_t i, int fallback) const;
  void step(unsigned char byte);
  void parameter_byte(unsigned char byte);
  void begin_sequence();

  RowWriter writer_;
  Screen screen_{writer_};

  State state_ = State::kGround;
  // Escape and CSI sequence being parsed.
  static constexpr size_t kMaxParams = 32;
  std::array<int, kMaxParams> params_{};
  std::array<bool, kMaxParams> colon_{};  // params_[i] was joined to i-1 by ':'
  size_t param_count_ = 0;
  bool csi_private_ = false;  // '?', '<', '=', '>' prefix or an intermediate: not ours
  bool osc_ = false;          // the string is an OSC, which a newline also ends
  size_t string_length_ = 0;

  // UTF-8 sequence being decoded.
  char32_t utf8_cp_ = 0;
  uint8_t utf8_need_ = 0;
  uint8_t utf8_have_ = 0;
  unsigned char utf8_lead_ = 0;
};

}  // namespace render
