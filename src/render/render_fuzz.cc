// libFuzzer target: arbitrary bytes through the renderer. Besides crashes,
// hangs and sanitizer reports it checks what a page relies on: the output is
// valid UTF-8, holds no markup but our own balanced spans, and does not
// depend on how the input was split into chunks.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "render/renderer.h"

namespace {

std::string render_in_chunks(std::string_view input, size_t chunk) {
  std::string html;
  render::Renderer renderer([&](std::string_view out) { html += out; });
  for (size_t i = 0; i < input.size(); i += chunk) renderer.feed(input.substr(i, chunk));
  renderer.finish();
  return html;
}

[[noreturn]] void fail(const char* what, const std::string& html, size_t at) {
  std::fprintf(stderr, "render_fuzz: %s at byte %zu of the output\n", what, at);
  std::fprintf(stderr, "%.*s\n", static_cast<int>(std::min<size_t>(html.size() - at, 200)),
               html.c_str() + at);
  std::abort();
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80                 ? 1
               : b >= 0xc2 && b <= 0xdf ? 2
               : b >= 0xe0 && b <= 0xef ? 3
               : b >= 0xf0 && b <= 0xf4 ? 4
                                        : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// Our only markup: <span ...> with attribute values free of quotes and
// angle brackets, and </span>; spans never nest and every one is closed.
void check_markup(const std::string& html) {
  bool open = false;
  for (size_t i = 0; i < html.size(); ++i) {
    const char c = html[i];
    if (c == '>' || c == '"') fail("stray markup character", html, i);
    if (c != '<') continue;
    if (html.compare(i, 7, "</span>") == 0) {
      if (!open) fail("closing a span that is not open", html, i);
      open = false;
      i += 6;
      continue;
    }
    if (html.compare(i, 5, "<span") != 0) fail("unknown tag", html, i);
    const size_t end = html.find('>', i);
    if (end == std::string::npos) fail("unterminated tag", html, i);
    const std::string_view tag(html.data() + i, end - i + 1);
    if (tag == R"(<span id="ub">)") {
      if (html.compare(end + 1, 7, "</span>") != 0) fail("anchor not empty", html, i);
      i = end + 7;
      continue;
    }
    if (open) fail("nested span", html, i);
    // Attribute values: quotes in pairs, nothing but class and style.
    size_t quotes = 0;
    for (char t : tag) quotes += t == '"';
    if (quotes % 2 != 0 || tag.find('<', 1) != std::string_view::npos) {
      fail("malformed tag", html, i);
    }
    open = true;
    i = end;
  }
  if (open) fail("span left open", html, html.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string whole = render_in_chunks(input, input.size() + 1);
  if (!valid_utf8(whole)) fail("invalid UTF-8", whole, 0);
  check_markup(whole);
  // Chunk boundaries are invisible: splitting at any size gives the same page.
  const size_t chunk = size == 0 ? 1 : 1 + data[0] % 7;
  if (render_in_chunks(input, chunk) != whole) fail("output depends on chunking", whole, 0);
  return 0;
}
