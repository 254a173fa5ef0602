#include "report/escape.h"

#include <gtest/gtest.h>

namespace report {
namespace {

TEST(Escape, HtmlEscapesEveryMarkupCharacter) {
  EXPECT_EQ(escape_html("<a href=\"x\" title='y'>&amp;</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
  EXPECT_EQ(escape_html("serde_json-1.0"), "serde_json-1.0");
}

TEST(Escape, JsonStringCannotCloseAScript) {
  EXPECT_EQ(json_string("</script><!--"), R"("\u003c/script\u003e\u003c!--")");
  EXPECT_EQ(json_string("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_string("'&"), R"("\u0027\u0026")");
}

TEST(Escape, JsonStringEscapesControlsAndLineSeparators) {
  EXPECT_EQ(json_string(std::string("\n\r\t\x01\x7f", 5)), R"("\n\r\t\u0001\u007f")");
  EXPECT_EQ(json_string("a\u2028b\u2029c"), R"("a\u2028b\u2029c")");
  EXPECT_EQ(json_string("caf\u00e9 \u2027"), "\"caf\u00e9 \u2027\"");
}

TEST(Escape, UrlSegmentKeepsOnlyUnreservedBytes) {
  EXPECT_EQ(url_segment("serde_json-1.0~x"), "serde_json-1.0~x");
  EXPECT_EQ(url_segment("1.0.0+build.5"), "1.0.0%2Bbuild.5");
  EXPECT_EQ(url_segment("a/b?c#d e%"), "a%2Fb%3Fc%23d%20e%25");
  EXPECT_EQ(url_segment("\"<\u00e9>"), "%22%3C%C3%A9%3E");
}

}  // namespace
}  // namespace report
