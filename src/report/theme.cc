#include "report/theme.h"

#include <array>

#include "report/crate_entry.h"
#include "report/escape.h"

namespace report {

namespace {

// Dark: the background, foreground and font of render/stylesheet.cc.
// Light: the same roles, for readers whose system asks for it. Every
// colour of text keeps a contrast of at least 4.5:1 on its background.
constexpr std::string_view kStylesheet =
    ":root{color-scheme:dark light;--bg:#1e1e1e;--fg:#d4d4d4;--dim:#a0a0a0;--panel:#252526;"
    "--line:#4a4a4a;--link:#4fa3ff;--visited:#d98ad9;--sel:#264f78;--warn:#e5e510}"
    "@media (prefers-color-scheme:light){:root{--bg:#ffffff;--fg:#1f1f1f;--dim:#5c5c5c;"
    "--panel:#f3f3f3;--line:#c8c8c8;--link:#0b5cad;--visited:#7b2f9e;--sel:#cfe3fa;"
    "--warn:#7a5d00}}"
    "body{margin:0;background:var(--bg);color:var(--fg);font-family:ui-monospace,"
    "'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:13px;line-height:1.45}"
    "a{color:var(--link)}a:visited{color:var(--visited)}"
    "a:focus-visible,button:focus-visible{outline:2px solid var(--link);outline-offset:2px}"
    "main{max-width:72em;margin:0 auto;padding:16px}"
    "h1{font-size:18px;margin:0 0 8px}h2{font-size:15px;margin:28px 0 8px}"
    ".dim{color:var(--dim)}.links a{margin-right:1.5em}"
    "input{font:inherit;color:inherit;background:var(--panel);border:1px solid var(--line);"
    "padding:6px 8px;width:100%;box-sizing:border-box}input:focus{outline:2px solid var(--link)}"
    "table{border-collapse:collapse}th,td{padding:3px 14px 3px 0;text-align:left;"
    "vertical-align:top}th{font-weight:bold;border-bottom:1px solid var(--line)}"
    ".n{text-align:right;font-variant-numeric:tabular-nums}"
    "ul.plain,ol.plain{list-style:none;padding:0;margin:0}"
    ".kind{color:var(--o-ub)}.fp{color:var(--warn)}"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 1.5em;margin:0}"
    "dl.facts dt{color:var(--dim)}dl.facts dd{margin:0;overflow-wrap:anywhere}"
    ".o{color:var(--o);white-space:nowrap}.o::before{content:'';display:inline-block;width:.8em;"
    "height:.8em;margin-right:.4em;border-radius:2px;background:var(--o);vertical-align:-1px}"
    "svg.chart{display:block;max-width:100%;height:auto;font-family:inherit;font-size:13px}"
    "svg.chart text{fill:var(--fg)}svg.chart rect{fill:var(--o)}"
    "svg.chart a:focus-visible{outline:2px solid var(--link)}"
    "svg.chart a:hover text,svg.chart a:focus text{text-decoration:underline}";

struct OutcomeStyle {
  std::string_view name;
  std::string_view dark;
  std::string_view light;
  std::string_view meaning;
};

constexpr std::array<OutcomeStyle, 9> kStyles = {{
    {"passed", "#23d18b", "#0a7a4b", "every command succeeded"},
    {"build-failed", "#e5e510", "#7a6400", "the crate or its tests did not compile"},
    {"test-failed", "#d670d6", "#9c2a9c", "a test failed, without undefined behaviour"},
    {"ub", "#f14c4c", "#c21818", "undefined behaviour was found"},
    {"timed-out", "#4fa3ff", "#1a5fb4", "stopped by the wall-clock or no-output timeout"},
    {"oom", "#29b8db", "#0b6b85", "killed for running out of memory"},
    {"broken", "#e8955a", "#a14a10",
     "could not be tried: a missing dependency, a bad manifest, a newer Rust"},
    {"error", "#a0a0a0", "#5c5c5c", "our infrastructure failed, not the crate"},
    {"other", "#d4d4d4", "#1f1f1f", ""},
}};

std::string outcome_css() {
  std::string dark, light;
  for (const OutcomeStyle& style : kStyles) {
    const std::string name(style.name);
    dark += ".o-" + name + "{--o:" + std::string(style.dark) + "}";
    light += ".o-" + name + "{--o:" + std::string(style.light) + "}";
    if (style.name == "ub") {
      dark += ":root{--o-ub:" + std::string(style.dark) + "}";
      light += ":root{--o-ub:" + std::string(style.light) + "}";
    }
  }
  return dark + "@media (prefers-color-scheme:light){" + light + "}";
}

}  // namespace

std::string page_head(std::string_view title, std::string_view extra_css) {
  static const std::string outcomes = outcome_css();
  std::string head =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<meta name=\"color-scheme\" content=\"dark light\">"
      "<meta name=\"generator\" content=\"crater-at-home\">\n<title>";
  head += escape_html(title);
  head += "</title>\n<style>";
  head += kStylesheet;
  head += outcomes;
  head += extra_css;
  head += "</style></head>\n<body>";
  return head;
}

std::string outcome_class(std::string_view outcome) {
  for (std::string_view known : kOutcomes) {
    if (known == outcome) return "o-" + std::string(outcome);
  }
  return "o-other";
}

std::string_view outcome_meaning(std::string_view outcome) {
  for (const OutcomeStyle& style : kStyles) {
    if (style.name == outcome && style.name != "other") return style.meaning;
  }
  return {};
}

std::string outcome_badge(std::string_view outcome) {
  return "<span class=\"o " + outcome_class(outcome) + "\">" + escape_html(outcome) + "</span>";
}

}  // namespace report
