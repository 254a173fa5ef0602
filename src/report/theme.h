#pragma once
// The look shared by the site's pages: the monospace type of the log pages
// (render/stylesheet.cc), dark like them unless the reader's system asks for
// light, and one colour per outcome, always beside the outcome's name.

#include <string>
#include <string_view>

namespace report {

/// Everything up to and including <body>: doctype, title, the site's
/// stylesheet plus `extra_css`. The title is escaped here.
std::string page_head(std::string_view title, std::string_view extra_css = {});

inline constexpr std::string_view kPageEnd = "</body></html>\n";

/// The class that gives an element its outcome's colour in `--o`:
/// "o-passed", ...; "o-other" for a name the site does not know.
std::string outcome_class(std::string_view outcome);

/// What an outcome means, in a few words; "" for a name the site does not
/// know.
std::string_view outcome_meaning(std::string_view outcome);

/// An outcome as the pages show it: a coloured mark and its name.
std::string outcome_badge(std::string_view outcome);

}  // namespace report
