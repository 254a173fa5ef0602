#pragma once
// TerminalLines turns the bytes a pty showed into the lines a person saw:
// escape sequences (CSI, OSC and other strings, charset designations) are
// dropped, "\r\n" and "\n" end a line, and a line redrawn after a lone "\r"
// (a progress bar) keeps only its last version. It holds at most one line.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace diagnosis {

class TerminalLines {
 public:
  /// A longer line keeps its first kMaxLine bytes; the rest is dropped.
  static constexpr size_t kMaxLine = size_t{64} * 1024;

  /// The next complete line, consuming `input` up to and including its end;
  /// nullopt once `input` runs out in the middle of a line, which is kept for
  /// the next call. The view is valid until the next call.
  std::optional<std::string_view> next(std::string_view& input);
  /// The last line, when the log does not end with a newline.
  std::optional<std::string_view> finish();

 private:
  enum class State : uint8_t {
    kText,
    kCarriageReturn,  // a "\r": "\n" may follow
    kEscape,          // after ESC
    kDesignator,      // ESC ( B and the like: one more byte
    kCsi,             // ESC [ ... final byte
    kString,          // OSC, DCS, SOS, PM, APC: up to BEL or ESC backslash
    kStringEscape,    // an ESC inside a string
  };

  /// Handles one byte that is not plain text; true when it ends the line.
  bool step(unsigned char c);
  void append(const char* begin, const char* end);
  void erase_in_line(unsigned mode);

  std::string line_;
  State state_ = State::kText;
  bool returned_ = false;  // line_ was handed out: start afresh
  bool redraw_ = false;    // after a lone "\r": new text replaces the line
  unsigned csi_param_ = 0;
};

}  // namespace diagnosis
