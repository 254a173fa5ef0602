#pragma once
// A whole HTML page around one rendered log: head, dark theme, a header that
// a script fills from the crate's result record when the page is part of a
// site, the log, and the script that scrolls to the first report of
// undefined behaviour.

#include <string>
#include <string_view>

#include "render/html_sink.h"
#include "render/renderer.h"

namespace render {

/// Bumped whenever the same raw bytes would render differently, so that
/// `sync` knows which stored pages to render again.
inline constexpr int kRendererVersion = 2;  // 2: the header of a log in a site

/// Text made safe for HTML content and quoted attributes.
std::string escape_html(std::string_view text);

class Page {
 public:
  Page(std::string_view title, Sink sink);

  /// Feeds raw terminal bytes; the page body streams out as rows complete.
  void feed(std::string_view raw) { renderer_.feed(raw); }
  /// Writes the rest of the screen and closes the document.
  void finish();

  bool found_ub() const { return renderer_.found_ub(); }

 private:
  Sink sink_;
  Renderer renderer_;
};

}  // namespace render
