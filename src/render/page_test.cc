#include "render/page.h"

#include <gtest/gtest.h>

#include <string>

#include "render/stylesheet.h"

namespace render {
namespace {

std::string page(std::string_view title, std::string_view raw) {
  std::string html;
  Page p(title, [&](std::string_view chunk) { html += chunk; });
  p.feed(raw);
  p.finish();
  return html;
}

TEST(Page, IsACompleteDocument) {
  const std::string html = page("serde 1.0.0", "hello\r\n");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">", 0), 0u);
  EXPECT_NE(html.find("<title>serde 1.0.0</title>"), std::string::npos);
  EXPECT_NE(html.find("</header><pre>hello\n</pre>\n"), std::string::npos);
  EXPECT_EQ(html.substr(html.size() - 15), "</body></html>\n");
}

TEST(Page, HasAHiddenHeaderThatAScriptFillsFromTheRecord) {
  const std::string html = page("serde 1.0.0: miri", "hello\r\n");
  // Before the log, so it streams first; hidden until the script finds the
  // page inside a site (T/logs/NAME/VERSION).
  const size_t header = html.find("<header id=\"cah-head\" hidden>");
  ASSERT_NE(header, std::string::npos);
  EXPECT_LT(header, html.find("<pre>"));
  const size_t script = html.find("fetch('../../results/'+c+'/'+v+'.json')");
  ASSERT_NE(script, std::string::npos);
  EXPECT_GT(script, html.find("</pre>"));
  EXPECT_NE(html.find("parts[n-3]!=='logs'"), std::string::npos);
}

TEST(Page, EscapesTheTitle) {
  const std::string html = page("<script>alert(1)</script>", "");
  EXPECT_NE(html.find("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"), std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
}

TEST(Page, DefinesEveryPaletteClassOnceInTheHead) {
  const std::string html = page("t", "");
  const std::string css(stylesheet());
  EXPECT_NE(html.find("<style>" + css), std::string::npos);
  EXPECT_NE(css.find(".f196{color:#ff0000}"), std::string::npos);
  EXPECT_NE(css.find(".g232{background:#080808}"), std::string::npos);
  EXPECT_NE(css.find(".f1{"), std::string::npos);
  EXPECT_EQ(css.find(".f1{"), css.rfind(".f1{"));
}

TEST(Page, DefinesTrueColourClassesAfterTheLog) {
  const std::string html = page("t", "\x1b[38;2;18;52;86mx");
  EXPECT_NE(html.find("</pre>\n<style>.fx123456{color:#123456}</style>"), std::string::npos);
}

TEST(Page, ScrollsToTheFirstReportOfUndefinedBehaviour) {
  const std::string html = page("t", "ok\r\nerror: Undefined Behavior: x\r\n");
  EXPECT_NE(html.find("ok\n<span id=\"ub\"></span>error: Undefined Behavior: x\n"),
            std::string::npos);
  EXPECT_NE(html.find("getElementById('ub')"), std::string::npos);
  EXPECT_NE(html.find("scrollIntoView"), std::string::npos);
}

TEST(Page, LogCannotCloseThePre) {
  const std::string html = page("t", "</pre><script>alert(1)</script>");
  EXPECT_EQ(html.find("</pre><script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

}  // namespace
}  // namespace render
