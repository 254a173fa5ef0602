#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "report/escape.h"
#include "report/pages.h"
#include "report/theme.h"
#include "report/units.h"

namespace report {

namespace {

constexpr std::string_view kCss = "figure{margin:0}figcaption{margin-bottom:6px}";

struct Bar {
  std::string label;
  size_t count = 0;
  std::string outcome;  // gives the bar its colour
  std::string href;     // the list of its crates, encoded
};

size_t code_points(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xc0) != 0x80; }));
}

/// A horizontal bar chart as inline SVG: a label, a bar, a number and its
/// share of `total` per row. Sizes assume the site's 13px monospace font.
std::string bar_chart(std::string_view caption, const std::vector<Bar>& bars, size_t total) {
  constexpr int kCharWidth = 8, kRowHeight = 22, kBarHeight = 16, kBarSpace = 360;
  size_t widest = 4;
  size_t most = 1;
  for (const Bar& bar : bars) {
    widest = std::max(widest, std::min<size_t>(code_points(bar.label), 40));
    most = std::max(most, bar.count);
  }
  const int label_width = static_cast<int>(widest) * kCharWidth + 12;
  const int width = label_width + kBarSpace + 16 * kCharWidth;
  const int height = static_cast<int>(bars.size()) * kRowHeight + 4;
  std::string svg = "<figure><figcaption>" + escape_html(caption) + "</figcaption>";
  svg += "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" +
         std::to_string(width) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
         std::to_string(width) + " " + std::to_string(height) + "\" aria-label=\"" +
         escape_html(caption) + "\">";
  int y = 2;
  for (const Bar& bar : bars) {
    const int bar_width = std::max(1, static_cast<int>(static_cast<double>(bar.count) /
                                                       static_cast<double>(most) * kBarSpace));
    char share[32];
    std::snprintf(
        share, sizeof share, " (%.1f%%)",
        100.0 * static_cast<double>(bar.count) / static_cast<double>(std::max<size_t>(total, 1)));
    const std::string label = escape_html(bar.label);
    const std::string count = std::to_string(bar.count);
    // A link around the whole row: a bar is a way into its list, by
    // keyboard too.
    svg += "<a href=\"" + bar.href + "\" aria-label=\"" + label + ": " + crates_text(bar.count) +
           "\">";
    svg += "<g class=\"bar " + outcome_class(bar.outcome) + "\"><title>" + label + ": " + count +
           "</title>";
    svg += "<text x=\"" + std::to_string(label_width - 8) + "\" y=\"" + std::to_string(y + 15) +
           "\" text-anchor=\"end\">" + label + "</text>";
    svg += "<rect x=\"" + std::to_string(label_width) + "\" y=\"" + std::to_string(y + 3) +
           "\" width=\"" + std::to_string(bar_width) + "\" height=\"" + std::to_string(kBarHeight) +
           "\"/>";
    svg += "<text class=\"count\" x=\"" + std::to_string(label_width + bar_width + 6) + "\" y=\"" +
           std::to_string(y + 15) + "\">" + count + share + "</text></g></a>";
    y += kRowHeight;
  }
  svg += "</svg></figure>\n";
  return svg;
}

std::vector<Bar> outcome_bars(const CrateLists& lists) {
  std::vector<Bar> bars;
  for (const CrateList& list : lists.outcomes) {
    if (list.crates.empty()) continue;
    bars.push_back({list.outcome, list.crates.size(), list.outcome, list_href(list.outcome)});
  }
  return bars;
}

/// Crates per kind of UB: a crate with two reports of one kind counts once.
std::vector<Bar> kind_bars(const CrateLists& lists) {
  std::vector<Bar> bars;
  for (const CrateList& list : lists.kinds) {
    bars.push_back({list.kind, list.crates.size(), "ub", list_href("ub", list.kind)});
  }
  return bars;
}

/// The 20 crates with the most of `measure`, as a table that links to logs.
std::string top_table(std::string_view id, std::string_view heading, std::string_view column,
                      const std::vector<const CrateEntry*>& newest,
                      const std::function<double(const CrateEntry&)>& measure,
                      const std::function<std::string(const CrateEntry&)>& text) {
  std::vector<const CrateEntry*> top;
  for (const CrateEntry* entry : newest) {
    if (measure(*entry) > 0) top.push_back(entry);
  }
  const size_t n = std::min<size_t>(top.size(), 20);
  std::partial_sort(
      top.begin(), top.begin() + static_cast<std::ptrdiff_t>(n), top.end(),
      [&](const CrateEntry* a, const CrateEntry* b) { return measure(*a) > measure(*b); });
  top.resize(n);
  std::string html = "<h2>" + escape_html(heading) + "</h2>\n";
  if (top.empty()) return html + "<p class=\"dim\">None measured.</p>\n";
  html += "<table id=\"" + std::string(id) +
          "\"><thead><tr><th class=\"n\">#</th><th>crate</th><th>version</th><th>outcome</th>"
          "<th class=\"n\">" +
          std::string(column) + "</th></tr></thead><tbody>\n";
  size_t rank = 0;
  for (const CrateEntry* entry : top) {
    const std::string href = log_href(entry->crate, entry->version);
    html += "<tr><td class=\"n\">" + std::to_string(++rank) + "</td><td><a href=\"" + href + "\">" +
            escape_html(entry->crate) + "</a></td><td>" + escape_html(entry->version) +
            "</td><td>" + outcome_badge(entry->outcome) + "</td><td class=\"n\">" + text(*entry) +
            "</td></tr>\n";
  }
  html += "</tbody></table>\n";
  return html;
}

}  // namespace

std::string summary_page(std::string_view tool, const std::vector<const CrateEntry*>& newest,
                         const CrateLists& lists) {
  std::string html = page_head(std::string(tool) + ": summary", kCss);
  html += "<main><h1>" + escape_html(tool) + ": summary</h1>\n";
  html +=
      "<p class=\"links\"><a href=\"index.html\">search</a><a href=\"list.html\">every outcome"
      "</a><a href=\"ub\">undefined behaviour</a></p>\n";
  html += "<p>" + std::to_string(newest.size()) +
          " crates, the newest tested version of each. Each bar leads to the list of its "
          "crates.</p>\n<h2>Outcomes</h2>\n";
  html += bar_chart("Crates per outcome", outcome_bars(lists), newest.size());

  const std::vector<Bar> kinds = kind_bars(lists);
  size_t with_ub = 0;
  for (const CrateEntry* entry : newest) with_ub += entry->outcome == "ub" ? 1 : 0;
  html += "<h2>Undefined behaviour</h2>\n";
  if (kinds.empty()) {
    html += "<p class=\"dim\">No findings.</p>\n";
  } else {
    html += bar_chart("Crates per kind of finding", kinds, with_ub);
  }

  html += top_table(
      "slowest", "The 20 slowest crates", "wall time", newest,
      [](const CrateEntry& e) { return e.wall_seconds; },
      [](const CrateEntry& e) { return duration_text(e.wall_seconds); });
  html += top_table(
      "hungriest", "The 20 crates that needed the most memory", "peak memory", newest,
      [](const CrateEntry& e) { return static_cast<double>(e.peak_memory_bytes); },
      [](const CrateEntry& e) { return memory_text(e.peak_memory_bytes); });
  html += "</main>\n";
  html += kPageEnd;
  return html;
}

}  // namespace report
