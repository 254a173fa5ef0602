#include "diagnosis/terminal_lines.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace diagnosis {
namespace {

std::vector<std::string> lines_of(std::string_view raw, size_t chunk = 0) {
  TerminalLines lines;
  std::vector<std::string> out;
  if (chunk == 0) chunk = raw.size() + 1;
  for (size_t at = 0; at < raw.size(); at += chunk) {
    std::string_view piece = raw.substr(at, chunk);
    while (const auto line = lines.next(piece)) out.emplace_back(*line);
  }
  if (const auto line = lines.finish()) out.emplace_back(*line);
  return out;
}

using Lines = std::vector<std::string>;

TEST(TerminalLinesTest, EndsLinesAtCrLfAndLf) {
  EXPECT_EQ(lines_of("a\r\nb\nc"), (Lines{"a", "b", "c"}));
  EXPECT_EQ(lines_of("a\r\n\r\nb\r\n"), (Lines{"a", "", "b"}));
  EXPECT_EQ(lines_of(""), Lines{});
}

TEST(TerminalLinesTest, DropsColoursAndOtherCsi) {
  EXPECT_EQ(
      lines_of("\x1b[1m\x1b[31merror\x1b[0m\x1b[1m: Undefined Behavior: \x1b[0mdata race\r\n"),
      Lines{"error: Undefined Behavior: data race"});
  EXPECT_EQ(lines_of("\x1b[38;5;12m-->\x1b[0m \x1b[?25lsrc/lib.rs\x1b[38:2::1:2:3mx\n"),
            Lines{"--> src/lib.rsx"});
}

TEST(TerminalLinesTest, DropsOscStringsAndCharsetDesignations) {
  // A hyperlink (OSC 8, ended by ST and by BEL), a title, ESC ( B, ESC 7/8.
  EXPECT_EQ(lines_of("\x1b]8;;file:///build/src/lib.rs\x1b\\src/lib.rs\x1b]8;;\x1b\\:10\r\n"
                     "\x1b]0;title\x07\x1b(Bplain\x1b(0\x1b"
                     "7x\x1b"
                     "8\r\n"
                     "\x1bP1$r0m\x1b\\dcs gone\r\n"),
            (Lines{"src/lib.rs:10", "plainx", "dcs gone"}));
}

TEST(TerminalLinesTest, AStrayStringEndsAtTheLine) {
  EXPECT_EQ(lines_of("a\x1b]never ended\r\nnext\r\n"), (Lines{"a", "next"}));
}

TEST(TerminalLinesTest, KeepsTheLastRedrawOfALine) {
  // cargo's progress bar: "\r", the bar, ESC[K; then the next status line.
  EXPECT_EQ(lines_of("    Building [=>   ] 1/9: a\r\x1b[K    Building [===> ] 5/9: b\r\x1b[K"
                     "   Compiling c v1.0.0\r\n"),
            Lines{"   Compiling c v1.0.0"});
  EXPECT_EQ(lines_of("50%\r100%\r\n"), Lines{"100%"});
  // A "\r" that nothing follows leaves the line as it is.
  EXPECT_EQ(lines_of("done\r\r\n"), Lines{"done"});
  // Erased and left empty.
  EXPECT_EQ(lines_of("progress\r\x1b[K\r\nnext\r\n"), (Lines{"", "next"}));
  EXPECT_EQ(lines_of("progress\x1b[2K\r\n"), Lines{""});
}

TEST(TerminalLinesTest, DropsControlsButKeepsTabsAndUtf8) {
  EXPECT_EQ(lines_of("a\tb\x07\x08\x7f\xe2\x9c\x93\r\n"), Lines{"a\tb\xe2\x9c\x93"});
}

TEST(TerminalLinesTest, CapsLongLines) {
  const std::string big(TerminalLines::kMaxLine + 1000, 'x');
  const Lines expected = {std::string(TerminalLines::kMaxLine, 'x'), "after"};
  EXPECT_EQ(lines_of(big + "\r\nafter\r\n"), expected);
  EXPECT_EQ(lines_of(big + "\r\nafter\r\n", 4096), expected);
  EXPECT_EQ(lines_of("\x1b[1m" + big + "\r\nafter\r\n", 7), expected);
}

TEST(TerminalLinesTest, SameLinesHoweverTheInputIsSplit) {
  const std::string raw =
      "\x1b[1m\x1b[92m   Compiling\x1b[0m foo\r\n50%\r\x1b[K100%\r\n\x1b]8;;x\x07link\x1b]8;;\x1b\\"
      "\r\n\x1b(Bplain\rover\r\r\nlast";
  const Lines whole = lines_of(raw);
  EXPECT_EQ(whole, (Lines{"   Compiling foo", "100%", "link", "over", "last"}));
  for (size_t chunk = 1; chunk < raw.size(); ++chunk) {
    EXPECT_EQ(lines_of(raw, chunk), whole) << "chunk " << chunk;
  }
}

}  // namespace
}  // namespace diagnosis
