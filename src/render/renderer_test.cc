#include "render/renderer.h"

#include <gtest/gtest.h>

#include <string>

namespace render {
namespace {

// The HTML inside <pre> for a raw log fed in one piece.
std::string render(std::string_view raw) {
  std::string html;
  Renderer renderer([&](std::string_view chunk) { html += chunk; });
  renderer.feed(raw);
  renderer.finish();
  return html;
}

std::string render_bytewise(std::string_view raw) {
  std::string html;
  Renderer renderer([&](std::string_view chunk) { html += chunk; });
  for (char c : raw) renderer.feed(std::string_view(&c, 1));
  renderer.finish();
  return html;
}

const std::string kEsc = "\x1b";
const std::string kCsi = "\x1b[";

TEST(Renderer, PlainLines) {
  EXPECT_EQ(render("hello\r\nworld\r\n"), "hello\nworld\n");
  EXPECT_EQ(render("no newline at the end"), "no newline at the end\n");
  EXPECT_EQ(render(""), "");
}

TEST(Renderer, TrailingBlankRowsAreDropped) {
  EXPECT_EQ(render("a\r\n\r\n\r\nb\r\n\r\n\r\n\r\n"), "a\n\n\nb\n");
  EXPECT_EQ(render("\r\n\r\n"), "");
}

TEST(Renderer, LineFeedWithoutCarriageReturnKeepsTheColumn) {
  // A raw "\n" moves down only; the pty's ONLCR is what usually adds "\r".
  EXPECT_EQ(render("ab\ncd\r\n"), "ab\n  cd\n");
}

TEST(Renderer, EscapesHtml) {
  EXPECT_EQ(render("<script>alert(1)</script>\r\n"), "&lt;script&gt;alert(1)&lt;/script&gt;\n");
  EXPECT_EQ(render("</pre><b>x</b>\r\n"), "&lt;/pre&gt;&lt;b&gt;x&lt;/b&gt;\n");
  EXPECT_EQ(render("&lt; & \"quoted\" 'single'"), "&amp;lt; &amp; &quot;quoted&quot; 'single'\n");
}

TEST(Renderer, EscapesHtmlInsideStyledText) {
  EXPECT_EQ(render(kCsi + "31m<img src=x onerror=alert(1)>" + kCsi + "0m"),
            "<span class=\"f1\">&lt;img src=x onerror=alert(1)&gt;</span>\n");
}

TEST(Renderer, NamedColours) {
  EXPECT_EQ(render(kCsi + "31mred" + kCsi + "0m plain"), "<span class=\"f1\">red</span> plain\n");
  EXPECT_EQ(render(kCsi + "1m" + kCsi + "32mok" + kCsi + "m"), "<span class=\"b f2\">ok</span>\n");
  EXPECT_EQ(render(kCsi + "91;104mx"), "<span class=\"f9 g12\">x</span>\n");
  EXPECT_EQ(render(kCsi + "37;40mx" + kCsi + "97;100my"),
            "<span class=\"f7 g0\">x</span><span class=\"f15 g8\">y</span>\n");
}

TEST(Renderer, DefaultColourCodes) {
  EXPECT_EQ(render(kCsi + "31;42ma" + kCsi + "39mb" + kCsi + "49mc"),
            "<span class=\"f1 g2\">a</span><span class=\"g2\">b</span>c\n");
}

TEST(Renderer, Palette256) {
  EXPECT_EQ(render(kCsi + "38;5;196ma" + kCsi + "48;5;21mb"),
            "<span class=\"f196\">a</span><span class=\"f196 g21\">b</span>\n");
  EXPECT_EQ(render(kCsi + "38:5:9mx"), "<span class=\"f9\">x</span>\n");
}

TEST(Renderer, TrueColour) {
  EXPECT_EQ(render(kCsi + "38;2;255;136;0mx"), "<span class=\"fxff8800\">x</span>\n");
  EXPECT_EQ(render(kCsi + "48;2;1;2;3mx"), "<span class=\"gx010203\">x</span>\n");
  // The colon forms, with and without the colour-space parameter.
  EXPECT_EQ(render(kCsi + "38:2::255:136:0mx"), "<span class=\"fxff8800\">x</span>\n");
  EXPECT_EQ(render(kCsi + "38:2:255:136:0mx"), "<span class=\"fxff8800\">x</span>\n");
  // Parameters after a colour still apply.
  EXPECT_EQ(render(kCsi + "38;2;0;0;255;1mx"), "<span class=\"b fx0000ff\">x</span>\n");
}

TEST(Renderer, TrueColourClassesAreDefinedOnce) {
  std::string html;
  Renderer renderer([&](std::string_view chunk) { html += chunk; });
  renderer.feed(kCsi + "38;2;255;136;0ma\r\n" + kCsi + "38;2;255;136;0mb" + kCsi + "48;2;0;0;1mc");
  renderer.finish();
  EXPECT_EQ(renderer.truecolor_css(), ".fxff8800{color:#ff8800}.gx000001{background:#000001}");
}

TEST(Renderer, Attributes) {
  EXPECT_EQ(render(kCsi + "1mb" + kCsi + "22m" + kCsi + "2md" + kCsi + "22m" + kCsi + "3mi" + kCsi +
                   "23m" + kCsi + "4mu" + kCsi + "24m" + kCsi + "9ms" + kCsi + "29mn"),
            "<span class=\"b\">b</span><span class=\"d\">d</span><span class=\"i\">i</span>"
            "<span class=\"u\">u</span><span class=\"s\">s</span>n\n");
  EXPECT_EQ(render(kCsi + "1;2;3;4;9mx"), "<span class=\"b d i u s\">x</span>\n");
  EXPECT_EQ(render(kCsi + "4:3mcurly" + kCsi + "4:0mnone"), "<span class=\"u\">curly</span>none\n");
}

TEST(Renderer, Inverse) {
  EXPECT_EQ(render(kCsi + "7mx" + kCsi + "27my"), "<span class=\"fbg gfg\">x</span>y\n");
  EXPECT_EQ(render(kCsi + "31;44;7mx"), "<span class=\"f4 g1\">x</span>\n");
}

TEST(Renderer, ResetForms) {
  EXPECT_EQ(render(kCsi + "1;31ma" + kCsi + "mb" + kCsi + "1;31mc" + kCsi + "0md" + kCsi +
                   "1;31me" + kCsi + ";mf"),
            "<span class=\"b f1\">a</span>b<span class=\"b f1\">c</span>d"
            "<span class=\"b f1\">e</span>f\n");
}

TEST(Renderer, CoalescesCellsOfOneStyle) {
  EXPECT_EQ(render(kCsi + "31mab" + kCsi + "31mcd" + kCsi + "0m" + kCsi + "0mef"),
            "<span class=\"f1\">abcd</span>ef\n");
}

TEST(Renderer, CargoProgressWithCarriageReturnAndEraseLine) {
  const std::string log =
      "    Building [=>      ] 1/3: a\r" + kCsi + "K" +
      "\x1b[1m\x1b[32m   Compiling\x1b[0m a v1.0.0\r\n"
      "    Building [====>   ] 2/3: b\r" +
      kCsi + "K" + "\x1b[1m\x1b[32m    Finished\x1b[0m dev [unoptimized] target(s) in 0.50s\r\n";
  EXPECT_EQ(render(log),
            "<span class=\"b f2\">   Compiling</span> a v1.0.0\n"
            "<span class=\"b f2\">    Finished</span> dev [unoptimized] target(s) in 0.50s\n");
}

TEST(Renderer, ManyRepaintsCollapseToTheLastOne) {
  std::string log;
  for (int i = 0; i <= 50000; ++i) log += "\rprogress " + std::to_string(i);
  log += "\r\n";
  EXPECT_EQ(render(log), "progress 50000\n");
}

TEST(Renderer, CursorUpRedrawCollapses) {
  const std::string log = "line one\r\nprogress 10%\r\nstatus a\r\n" + kCsi + "2A\r" + kCsi +
                          "2Kprogress 100%\r\n" + kCsi + "2Kstatus done\r\n";
  EXPECT_EQ(render(log), "line one\nprogress 100%\nstatus done\n");
}

TEST(Renderer, CursorMovement) {
  EXPECT_EQ(render("abcdef" + kCsi + "3Dx"), "abcxef\n");               // CUB
  EXPECT_EQ(render("ab" + kCsi + "3Cx"), "ab   x\n");                   // CUF
  EXPECT_EQ(render("a" + kCsi + "2Bb"), "a\n\n b\n");                   // CUD
  EXPECT_EQ(render("a\r\nb\r\nc" + kCsi + "2Ax"), "ax\nb\nc\n");        // CUU
  EXPECT_EQ(render(kCsi + "3;5Hx" + kCsi + "1;2fy"), " y\n\n    x\n");  // CUP, HVP
  EXPECT_EQ(render("abcdef" + kCsi + "3Gx"), "abxdef\n");               // CHA
  EXPECT_EQ(render("abc" + kCsi + "2Ex"), "abc\n\nx\n");                // CNL
  EXPECT_EQ(render("a\r\n\r\nbcd" + kCsi + "2Fx"), "x\n\nbcd\n");       // CPL
  EXPECT_EQ(render("ab" + kCsi + "3dx"), "ab\n\n  x\n");                // VPA
  EXPECT_EQ(render(kCsi + "Hx" + kCsi + "Ay"), "xy\n");                 // clamped at the top
  EXPECT_EQ(render(kCsi + "999Cx"), std::string(127, ' ') + "x\n");     // clamped at the right
}

TEST(Renderer, Backspace) {
  EXPECT_EQ(render("abc\b\bX"), "aXc\n");
  EXPECT_EQ(render("\b\bx"), "x\n");
}

TEST(Renderer, EraseInLine) {
  EXPECT_EQ(render("abcdef" + kCsi + "3D" + kCsi + "K"), "abc\n");
  EXPECT_EQ(render("abcdef" + kCsi + "3D" + kCsi + "1K"), "    ef\n");
  EXPECT_EQ(render("abcdef" + kCsi + "2Kx"), "      x\n");
}

TEST(Renderer, EraseInDisplay) {
  EXPECT_EQ(render("a\r\nbcd\r\ne" + kCsi + "2;2H" + kCsi + "J"), "a\nb\n");
  EXPECT_EQ(render("a\r\nbcd\r\ne" + kCsi + "2;2H" + kCsi + "1J"), "\n  d\ne\n");
}

TEST(Renderer, ClearScreenKeepsWhatWasShown) {
  EXPECT_EQ(render("before\r\n" + kCsi + "H" + kCsi + "2Jafter\r\n"), "before\nafter\n");
}

TEST(Renderer, EraseWithBackgroundColourKeepsTheColour) {
  EXPECT_EQ(render(kCsi + "41m" + kCsi + "K" + kCsi + "0m").substr(0, 19), "<span class=\"g1\">  ");
}

TEST(Renderer, SaveAndRestoreCursor) {
  EXPECT_EQ(render("ab" + kEsc + "7cd\r\nxy" + kEsc + "8Z"), "abZd\nxy\n");
  EXPECT_EQ(render("ab" + kCsi + "scd\r\nxy" + kCsi + "uZ"), "abZd\nxy\n");
  // The saved state includes the pen.
  EXPECT_EQ(render(kCsi + "31m" + kEsc + "7" + kCsi + "0ma" + kEsc + "8b"),
            "<span class=\"f1\">b</span>\n");
}

TEST(Renderer, LongLinesStayOneLine) {
  const std::string line(300, 'x');
  EXPECT_EQ(render(line + "\r\n" + "next\r\n"), line + "\nnext\n");
  // A line of exactly the screen's width does not wrap by itself.
  const std::string full(128, 'y');
  EXPECT_EQ(render(full + "\r\nz"), full + "\nz\n");
}

TEST(Renderer, LongStyledLineReopensItsSpanAfterTheWrap) {
  const std::string line(200, 'x');
  EXPECT_EQ(render(kCsi + "31m" + line), "<span class=\"f1\">" + std::string(128, 'x') +
                                             "</span><span class=\"f1\">" + std::string(72, 'x') +
                                             "</span>\n");
}

TEST(Renderer, RepaintOfAWrappedLine) {
  // Carriage return goes to the start of the last row, as on a terminal.
  EXPECT_EQ(render(std::string(130, 'a') + "\rZ\r\n"), std::string(128, 'a') + "Za\n");
}

TEST(Renderer, Tabs) {
  EXPECT_EQ(render("a\tb\r\n"), "a       b\n");
  EXPECT_EQ(render("abcdefgh\tX\r\n"), "abcdefgh        X\n");
  EXPECT_EQ(render("\t\tX"), "                X\n");
  EXPECT_EQ(render(kCsi + "125G\tX"), std::string(127, ' ') + "X\n");
  // Tab stops can be set and cleared.
  EXPECT_EQ(render(kCsi + "3G" + kEsc + "H\r\tX"), "  X\n");
  EXPECT_EQ(render(kCsi + "3gx\ty"), "x" + std::string(126, ' ') + "y\n");
}

TEST(Renderer, WideCharacters) {
  EXPECT_EQ(render("日本語|\r\n"), "日本語|\n");
  EXPECT_EQ(render("日本\x1b[3Gx"), "日x\n");  // CHA to column 3 lands after 日
  EXPECT_EQ(render("日本語\rA"), "A 本語\n");  // half of 日 overwritten
  EXPECT_EQ(render("🦀 crab\r\n"), "🦀 crab\n");
  // A wide character that no longer fits goes to the next row.
  EXPECT_EQ(render(std::string(127, 'a') + "日x"), std::string(127, 'a') + " 日x\n");
}

TEST(Renderer, CombiningMarksStayWithTheirBase) {
  EXPECT_EQ(render("e\xcc\x81x\r\n"), "e\xcc\x81x\n");
  // The mark stays in its cell when the cursor moves on past it.
  EXPECT_EQ(render("ae\xcc\x81" + kCsi + "Dz"), "az\n");
  EXPECT_EQ(render("\xcc\x81"), " \xcc\x81\n");
  // Zero-width joiner sequences keep every code point.
  EXPECT_EQ(render("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x92\xbb"),
            "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x92\xbb\n");
}

TEST(Renderer, InvalidUtf8BecomesReplacementCharacters) {
  const std::string r = "\xef\xbf\xbd";
  EXPECT_EQ(render("a\xff"
                   "b"),
            "a" + r + "b\n");
  EXPECT_EQ(render("\xe2\x82"
                   "A"),
            r + r + "A\n");                                     // truncated
  EXPECT_EQ(render("\xc0\xaf"), r + r + "\n");                  // overlong
  EXPECT_EQ(render("\xed\xa0\x80"), r + r + r + "\n");          // surrogate
  EXPECT_EQ(render("\xf4\x90\x80\x80"), r + r + r + r + "\n");  // past U+10FFFF
  EXPECT_EQ(render("\x80\xbf"), r + r + "\n");                  // stray continuations
  EXPECT_EQ(render("ab\xe2\x82"), "ab" + r + r + "\n");         // cut at the end
  EXPECT_EQ(render("\xe2\x82" + kCsi + "31mx"), r + r + "<span class=\"f1\">x</span>\n");
  EXPECT_EQ(render("\xc2\x9b"
                   "31mx"),
            "31mx\n");  // C1 CSI is not honoured
  EXPECT_EQ(render("\xe2\x82\xac"), "\xe2\x82\xac\n");
}

TEST(Renderer, OtherSequencesAreConsumedSilently) {
  EXPECT_EQ(render(kEsc + "]0;window title\x07text"), "text\n");
  EXPECT_EQ(render(kEsc + "]8;;https://example.com/\x1b\\link" + kEsc + "]8;;\x1b\\"), "link\n");
  EXPECT_EQ(render(kEsc + "Pq#0;2;0;0;0#0~~@@vv\x1b\\after"), "after\n");
  EXPECT_EQ(render(kEsc + "_application\x1b\\a" + kEsc + "^privacy\x1b\\b" + kEsc + "Xsos\x1b\\c"),
            "abc\n");
  EXPECT_EQ(render(kCsi + "?25l" + kCsi + "?2004h" + kCsi + "?1049hX" + kCsi + ">4;1m"), "X\n");
  EXPECT_EQ(render(kCsi + "5;6zY" + kCsi + "!pZ" + kCsi + "1 qW"), "YZW\n");
  EXPECT_EQ(render(kEsc + "(B" + kEsc + ")0" + kEsc + "#8" + kEsc + "=" + kEsc + ">Z"), "Z\n");
  EXPECT_EQ(render(std::string("a\x07\x00\x0e\x0f\x7f"
                               "b",
                               7)),
            "ab\n");
}

TEST(Renderer, ControlsInsideASequenceStillAct) {
  EXPECT_EQ(render("ab" + kCsi + "\r31mx"), "<span class=\"f1\">x</span>b\n");
  // CAN aborts a sequence; ESC starts a new one.
  EXPECT_EQ(render(kCsi + "31\x18mx"), "mx\n");
  EXPECT_EQ(render(kCsi + "31" + kCsi + "32mx"), "<span class=\"f2\">x</span>\n");
}

TEST(Renderer, AnUnterminatedOscEndsAtTheNewline) {
  EXPECT_EQ(render(kEsc + "]0;title with no end\r\nvisible\r\n"), "\nvisible\n");
  EXPECT_EQ(render("abc" + kEsc + "]0;no end\rX"), "Xbc\n");
}

TEST(Renderer, RowsScrollingOffAreWrittenAtOnce) {
  std::string html;
  Renderer renderer([&](std::string_view chunk) { html += chunk; });
  std::string log;
  for (int i = 0; i < 20000; ++i) log += "line " + std::to_string(i) + "\r\n";
  renderer.feed(log);
  // All but the last screenful is out before the end of the log.
  EXPECT_GT(html.size(), 0u);
  renderer.finish();
  std::string expected;
  for (int i = 0; i < 20000; ++i) expected += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(html, expected);
}

TEST(Renderer, ScrollUpAndDown) {
  EXPECT_EQ(render("a\r\nb" + kCsi + "Sc"), "a\nb\n c\n");  // "a" was pushed out first
  EXPECT_EQ(render("a\r\nb" + kCsi + "H" + kEsc + "Mz"), "z\na\nb\n");
}

TEST(Renderer, FullResetKeepsWhatWasShown) {
  EXPECT_EQ(render(kCsi + "31mred" + kEsc + "cplain"), "<span class=\"f1\">red</span>\nplain\n");
}

TEST(Renderer, MarksTheFirstReportOfUndefinedBehaviour) {
  const std::string log = "test a ... ok\r\n" + kCsi + "1m" + kCsi + "38;5;9merror" + kCsi + "0m" +
                          kCsi + "1m: Undefined Behavior: out-of-bounds pointer use" + kCsi +
                          "0m\r\n"
                          "error: Undefined Behavior: again\r\n";
  const std::string html = render(log);
  EXPECT_EQ(html,
            "test a ... ok\n<span id=\"ub\"></span><span class=\"b f9\">error</span>"
            "<span class=\"b\">: Undefined Behavior: out-of-bounds pointer use</span>\n"
            "error: Undefined Behavior: again\n");
}

TEST(Renderer, MarksEveryKindOfReport) {
  for (std::string_view line : {
           "==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x1",
           "thread 'main' panicked at 'unsafe precondition(s) violated: ptr::copy'",
           "misaligned pointer dereference: address must be a multiple of 0x4",
           "attempted to leave type `bool` uninitialized, which is invalid",
           "error: process didn't exit successfully (signal: 4, SIGILL: illegal instruction)",
       }) {
    EXPECT_EQ(render("x\r\n" + std::string(line)),
              "x\n<span id=\"ub\"></span>" + std::string(line) + "\n");
  }
  EXPECT_EQ(render("Undefined behavior is fine in lowercase\r\n").find("id=\"ub\""),
            std::string::npos);
}

TEST(Renderer, MarkerAcrossASoftWrap) {
  const std::string log = std::string(120, '.') + "Undefined Behavior: x\r\n";
  const std::string html = render(log);
  EXPECT_NE(html.find("<span id=\"ub\"></span>"), std::string::npos);
}

TEST(Renderer, FoundUb) {
  Renderer clean([](std::string_view) {});
  clean.feed("all good\r\n");
  clean.finish();
  EXPECT_FALSE(clean.found_ub());
  Renderer bad([](std::string_view) {});
  bad.feed("error: Undefined Behavior: bad\r\n");
  bad.finish();
  EXPECT_TRUE(bad.found_ub());
}

TEST(Renderer, SplitFeedsGiveTheSameOutput) {
  const std::string log =
      "\x1b[1m\x1b[32m   Compiling\x1b[0m 日本 e\xcc\x81 \xe2\x82\xac \xff\r\n" + kCsi +
      "38:2::1:2:3mtrue" + kEsc + "]8;;url\x1b\\link" + kEsc + "]8;;\x07\r\n" +
      std::string(300, 'w') + "\r" + kCsi + "K" + kCsi + "?25lend\r\n";
  EXPECT_EQ(render_bytewise(log), render(log));
}

}  // namespace
}  // namespace render
