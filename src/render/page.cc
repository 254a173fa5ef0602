#include "render/page.h"

#include "render/stylesheet.h"

namespace render {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// Scrolls to the first report of undefined behaviour unless the reader's
// URL already names a place on the page.
constexpr std::string_view kScrollScript =
    "<script>window.addEventListener('load',function(){"
    "var ub=document.getElementById('ub');"
    "if(ub&&!location.hash)ub.scrollIntoView({block:'start'});});</script>\n";

}  // namespace

Page::Page(std::string_view title, Sink sink) : sink_(sink), renderer_(std::move(sink)) {
  std::string head =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<meta name=\"generator\" content=\"crater-at-home\">\n<title>";
  head += escape_html(title);
  head += "</title>\n<style>";
  head += stylesheet();
  head += "</style></head>\n<body><pre>";
  sink_(head);
}

void Page::finish() {
  renderer_.finish();
  std::string tail = "</pre>\n";
  // 24-bit colours are known only at the end; a <style> in the body still
  // applies to the whole page.
  if (const std::string css = renderer_.truecolor_css(); !css.empty()) {
    tail += "<style>" + css + "</style>\n";
  }
  tail += kScrollScript;
  tail += "</body></html>\n";
  sink_(tail);
}

}  // namespace render
