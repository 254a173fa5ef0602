#pragma once
// The look shared by the site's pages: the dark theme and monospace type of
// the log pages (render/stylesheet.cc), so a reader moving from the list to
// a log sees one site.

#include <string>
#include <string_view>

namespace report {

/// Everything up to and including <body>: doctype, title, the site's
/// stylesheet plus `extra_css`. The title is escaped here.
std::string page_head(std::string_view title, std::string_view extra_css = {});

inline constexpr std::string_view kPageEnd = "</body></html>\n";

/// The colour of an outcome in charts and tables, as "#rrggbb".
std::string_view outcome_colour(std::string_view outcome);

}  // namespace report
