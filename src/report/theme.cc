#include "report/theme.h"

#include <array>
#include <utility>

#include "report/escape.h"

namespace report {

namespace {

// Background, foreground and font of render/stylesheet.cc; the accents are
// entries of its 16-colour palette.
constexpr std::string_view kStylesheet =
    ":root{color-scheme:dark}"
    "body{margin:0;background:#1e1e1e;color:#d4d4d4;font-family:ui-monospace,'DejaVu Sans Mono',"
    "Menlo,Consolas,monospace;font-size:13px;line-height:1.4}"
    "a{color:#3b8eea}a:visited{color:#d670d6}"
    "main{max-width:64em;margin:0 auto;padding:16px}"
    "h1{font-size:18px;margin:0 0 8px}h2{font-size:15px;margin:28px 0 8px}"
    ".dim{opacity:.6}.links a{margin-right:1.5em}"
    "input{font:inherit;color:inherit;background:#252526;border:1px solid #555;padding:6px 8px;"
    "width:100%;box-sizing:border-box}input:focus{outline:1px solid #3b8eea}"
    "table{border-collapse:collapse}th,td{padding:2px 14px 2px 0;text-align:left;"
    "vertical-align:top}th{font-weight:bold;border-bottom:1px solid #444}.n{text-align:right}"
    "ul.plain,ol.plain{list-style:none;padding:0;margin:0}"
    ".kind{color:#f14c4c}.fp{color:#e5e510}"
    "svg.chart{display:block;max-width:100%;height:auto;font-family:inherit;font-size:13px}"
    "svg.chart text{fill:#d4d4d4}";

constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kOutcomeColours = {{
    {"passed", "#0dbc79"},
    {"build-failed", "#e5e510"},
    {"test-failed", "#bc3fbc"},
    {"ub", "#f14c4c"},
    {"timed-out", "#3b8eea"},
    {"oom", "#29b8db"},
    {"broken", "#5a5a5a"},
    {"error", "#8a8a8a"},
}};

}  // namespace

std::string page_head(std::string_view title, std::string_view extra_css) {
  std::string head =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<meta name=\"generator\" content=\"crater-at-home\">\n<title>";
  head += escape_html(title);
  head += "</title>\n<style>";
  head += kStylesheet;
  head += extra_css;
  head += "</style></head>\n<body>";
  return head;
}

std::string_view outcome_colour(std::string_view outcome) {
  for (const auto& [name, colour] : kOutcomeColours) {
    if (name == outcome) return colour;
  }
  return "#e5e5e5";
}

}  // namespace report
