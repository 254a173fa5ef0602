#pragma once
// Text from crates (names, versions, kinds of finding) goes into HTML, JSON
// inside <script> and URLs. Each context has its own escaping, here, so no
// page builds markup from raw text.

#include <string>
#include <string_view>

namespace report {

/// For element text and quoted attribute values.
std::string escape_html(std::string_view text);

/// A JSON string literal, quotes included, safe inside a <script> element
/// (no "</script>", "<!--", U+2028 or U+2029 survive) and inside an
/// attribute once escape_html() has been applied.
std::string json_string(std::string_view text);

/// One path segment of a URL: every byte but A-Z a-z 0-9 - . _ ~ is
/// percent-encoded, so "1.0.0+build" reaches a bucket website as "+" and not
/// as a space, and a name can never add a segment.
std::string url_segment(std::string_view text);

}  // namespace report
