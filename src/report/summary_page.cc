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

namespace report {

namespace {

constexpr std::string_view kCss = "figure{margin:0}figcaption{margin-bottom:6px}";

struct Bar {
  std::string label;
  size_t count = 0;
  std::string_view colour;
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
    svg += "<g class=\"bar\"><title>" + label + ": " + count + "</title>";
    svg += "<text x=\"" + std::to_string(label_width - 8) + "\" y=\"" + std::to_string(y + 15) +
           "\" text-anchor=\"end\">" + label + "</text>";
    svg += "<rect x=\"" + std::to_string(label_width) + "\" y=\"" + std::to_string(y + 3) +
           "\" width=\"" + std::to_string(bar_width) + "\" height=\"" + std::to_string(kBarHeight) +
           "\" fill=\"" + std::string(bar.colour) + "\"/>";
    svg += "<text class=\"count\" x=\"" + std::to_string(label_width + bar_width + 6) + "\" y=\"" +
           std::to_string(y + 15) + "\">" + count + share + "</text></g>";
    y += kRowHeight;
  }
  svg += "</svg></figure>\n";
  return svg;
}

std::vector<Bar> outcome_bars(const std::vector<const CrateEntry*>& newest) {
  std::map<std::string, size_t> counts;
  for (const CrateEntry* entry : newest) ++counts[entry->outcome];
  std::vector<Bar> bars;
  for (const char* outcome : kOutcomes) {
    const auto it = counts.find(outcome);
    if (it == counts.end()) continue;
    bars.push_back({it->first, it->second, outcome_colour(it->first)});
    counts.erase(it);
  }
  for (const auto& [outcome, count] : counts)
    bars.push_back({outcome, count, outcome_colour(outcome)});
  return bars;
}

/// Crates per kind of UB: a crate with two reports of one kind counts once.
std::vector<Bar> kind_bars(const std::vector<const CrateEntry*>& newest) {
  std::map<std::string, size_t> counts;
  for (const CrateEntry* entry : newest) {
    if (entry->outcome != "ub") continue;
    std::set<std::string_view> kinds;
    for (const Finding& finding : entry->findings) kinds.insert(finding.kind);
    for (std::string_view kind : kinds) ++counts[std::string(kind)];
  }
  std::vector<Bar> bars;
  bars.reserve(counts.size());
  for (const auto& [kind, count] : counts) bars.push_back({kind, count, outcome_colour("ub")});
  std::stable_sort(bars.begin(), bars.end(),
                   [](const Bar& a, const Bar& b) { return a.count > b.count; });
  return bars;
}

std::string duration_text(double seconds) {
  char text[48];
  if (seconds < 60) {
    std::snprintf(text, sizeof text, "%.1f s", seconds);
  } else if (seconds < 3600) {
    const auto s = static_cast<long long>(seconds);
    std::snprintf(text, sizeof text, "%lld min %02lld s", s / 60, s % 60);
  } else {
    const auto m = static_cast<long long>(seconds / 60);
    std::snprintf(text, sizeof text, "%lld h %02lld min", m / 60, m % 60);
  }
  return text;
}

std::string memory_text(uint64_t bytes) {
  char text[48];
  const auto b = static_cast<double>(bytes);
  if (bytes >= (uint64_t{1} << 30)) {
    std::snprintf(text, sizeof text, "%.1f GiB", b / (1u << 30));
  } else if (bytes >= (uint64_t{1} << 20)) {
    std::snprintf(text, sizeof text, "%.1f MiB", b / (1u << 20));
  } else {
    std::snprintf(text, sizeof text, "%.1f KiB", b / (1u << 10));
  }
  return text;
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
            "</td><td style=\"color:" + std::string(outcome_colour(entry->outcome)) + "\">" +
            escape_html(entry->outcome) + "</td><td class=\"n\">" + text(*entry) + "</td></tr>\n";
  }
  html += "</tbody></table>\n";
  return html;
}

}  // namespace

std::string summary_page(std::string_view tool, const std::vector<const CrateEntry*>& newest) {
  std::string html = page_head(std::string(tool) + ": summary", kCss);
  html += "<main><h1>" + escape_html(tool) + ": summary</h1>\n";
  html +=
      "<p class=\"links\"><a href=\"index.html\">search</a><a href=\"ub\">undefined "
      "behaviour</a></p>\n";
  html += "<p>" + std::to_string(newest.size()) +
          " crates, the newest tested version of each.</p>\n<h2>Outcomes</h2>\n";
  html += bar_chart("Crates per outcome", outcome_bars(newest), newest.size());

  const std::vector<Bar> kinds = kind_bars(newest);
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
