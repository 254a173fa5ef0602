#include "compare/pages.h"

#include "report/escape.h"
#include "report/theme.h"
#include "report/units.h"

namespace compare {
namespace {

using nlohmann::json;
using report::escape_html;
using report::url_segment;

constexpr std::string_view kIndexCss =
    "main{max-width:80em}td.b,th.b{border-left:1px solid #444;padding-left:10px}"
    ".flags td{white-space:pre-wrap}.differs{color:#e5e510}section{margin-bottom:24px}";

constexpr std::string_view kCrateCss =
    "main{max-width:none}#logs{display:flex;gap:8px}"
    ".log{flex:1;min-width:0;height:75vh;overflow:auto;border:1px solid #444;padding:4px 0}"
    ".log h2{margin:0 8px 4px;font-size:13px}"
    ".line{white-space:pre;padding:0 8px}.line i{display:inline-block;min-width:4em;"
    "opacity:.5;font-style:normal;user-select:none}"
    ".line.diff{background:#5a1d1d;outline:1px solid #f14c4c}"
    "@media (max-width:900px){#logs{display:block}.log{height:50vh}}";

// Each log scrolls on its own to its marked line.
constexpr std::string_view kCrateScript = R"(<script>
(function(){
['a','b'].forEach(function(side){
  var line=document.getElementById('diff-'+side),pane=document.getElementById('log-'+side);
  if(line&&pane)pane.scrollTop=line.offsetTop-pane.offsetTop-pane.clientHeight/3;
});
})();
</script>
)";

/// From a page `depth` folders below the store's root to a crate's log page.
std::string log_href(int depth, std::string_view run, const Comparison& c) {
  std::string href;
  for (int i = 0; i < depth; ++i) href += "../";
  return href + url_segment(run) + "/logs/" + url_segment(c.crate) + "/" + url_segment(c.version);
}

std::string crate_page_href(const Comparison& c) {
  return url_segment(c.crate) + "/" + url_segment(c.version) + ".html";
}

std::string side_html(const Side& side) {
  const std::string_view name = result::outcome_name(side.outcome);
  std::string html = "<span class=\"" + report::outcome_class(name) +
                     "\" style=\"color:var(--o)\">" +
                     escape_html(result::outcome_label(side.outcome)) + "</span>";
  for (const std::string& kind : side.kinds) {
    html += " <span class=\"kind\">" + escape_html(kind) + "</span>";
  }
  return html;
}

std::string short_commit(const std::string& commit) { return commit.substr(0, 9); }

std::string toolchain_text(const Run& run) {
  std::string text = run.toolchain;
  if (!run.identity.toolchain_version.empty()) {
    text += " (" + run.identity.toolchain_version;
    if (!run.identity.toolchain_commit.empty()) {
      text += " " + short_commit(run.identity.toolchain_commit);
    }
    text += ")";
  }
  return text;
}

std::string flags_text(const std::map<std::string, std::string>& flags) {
  std::string text;
  for (const auto& [name, value] : flags) text += name + "=" + value + "\n";
  if (!text.empty()) text.pop_back();
  return text;
}

/// The table of what each run ran with; what differs stands out.
std::string runs_table(const Run& a, const Run& b) {
  const auto row = [](std::string_view what, const std::string& x, const std::string& y) {
    const char* cls = x != y ? " class=\"differs\"" : "";
    return "<tr" + std::string(cls) + "><th>" + std::string(what) + "</th><td>" + escape_html(x) +
           "</td><td class=\"b\">" + escape_html(y) + "</td></tr>\n";
  };
  std::string html =
      "<table class=\"runs flags\"><tr><th></th><th>A</th><th class=\"b\">B</th></tr>\n";
  html += row("run", a.name, b.name);
  html += row("tool", a.identity.tool, b.identity.tool);
  html += row("toolchain", toolchain_text(a), toolchain_text(b));
  html += row("flags", flags_text(a.identity.flags), flags_text(b.identity.flags));
  html += "</table>\n";
  return html;
}

json side_json(const Side& side, const std::vector<result::Outcome>& retries) {
  json out = {{"outcome", result::outcome_name(side.outcome)}, {"kinds", side.kinds}};
  if (!retries.empty()) {
    json again = json::array();
    for (const result::Outcome outcome : retries) again.push_back(result::outcome_name(outcome));
    out["retries"] = std::move(again);
  }
  return out;
}

/// ", run again: passed, test failed" when the crate ran again.
std::string retries_html(const std::vector<result::Outcome>& retries) {
  if (retries.empty()) return {};
  std::string html = " <span class=\"dim retries\">(again:";
  for (const result::Outcome outcome : retries) {
    html += " " + escape_html(result::outcome_label(outcome));
  }
  return html + ")</span>";
}

}  // namespace

std::string index_page(const Run& a, const Run& b,
                       const std::vector<const Comparison*>& comparisons, bool same_store) {
  const std::string title = a.name + " \u2192 " + b.name;
  std::string html = report::page_head(title, kIndexCss);
  html += "<main><h1>" + escape_html(title) + "</h1>\n";
  html += runs_table(a, b);
  std::map<Category, size_t> counts;
  for (const Comparison* c : comparisons) ++counts[c->category];
  html += "<h2>Crates both runs ran</h2>\n<table id=\"counts\">\n";
  for (const Category category : kCategories) {
    const std::string name(category_name(category));
    const size_t count = counts[category];
    html += "<tr data-category=\"" + name + "\"><td>";
    html += category != Category::kUnchanged && count > 0
                ? "<a href=\"#" + name + "\">" + std::string(category_label(category)) + "</a>"
                : std::string(category_label(category));
    html += "</td><td class=\"n\">" + std::to_string(count) + "</td></tr>\n";
  }
  html += "</table>\n<p class=\"links\"><a href=\"compare.json\">compare.json</a></p>\n";

  for (const Category category : kCategories) {
    if (category == Category::kUnchanged || counts[category] == 0) continue;
    const std::string name(category_name(category));
    html += "<section id=\"" + name + "\"><h2>" + std::string(category_label(category)) + " (" +
            std::to_string(counts[category]) + ")</h2>\n";
    html +=
        "<table><tr><th>crate</th><th class=\"n\">downloads</th><th>A</th><th class=\"b\">B</th>"
        "<th>logs</th></tr>\n";
    for (const Comparison* c : comparisons) {
      if (c->category != category) continue;
      html += "<tr class=\"crate\" data-crate=\"" + escape_html(c->crate) + "\"><td><a href=\"" +
              crate_page_href(*c) + "\">" + escape_html(c->crate) + " <span class=\"dim\">" +
              escape_html(c->version) + "</span></a></td>";
      html += "<td class=\"n\">" + report::downloads_text(c->downloads) + "</td>";
      html += "<td>" + side_html(c->a) + retries_html(c->retries_a) + "</td><td class=\"b\">" +
              side_html(c->b) + retries_html(c->retries_b) + "</td>";
      html += "<td class=\"links\"><a href=\"" + log_href(2, a.name, *c) + "\">A log</a>";
      if (same_store) html += "<a href=\"" + log_href(2, b.name, *c) + "\">B log</a>";
      html += "</td></tr>\n";
    }
    html += "</table></section>\n";
  }
  html += "</main>\n";
  html += report::kPageEnd;
  return html;
}

json comparison_json(const Run& a, const Run& b,
                     const std::vector<const Comparison*>& comparisons) {
  const auto run_json = [](const Run& run) {
    return json{{"name", run.name},
                {"tool", run.identity.tool},
                {"toolchain", run.toolchain},
                {"toolchain_version", run.identity.toolchain_version},
                {"toolchain_commit", run.identity.toolchain_commit},
                {"flags", run.identity.flags}};
  };
  json counts = json::object();
  json crates = json::object();
  for (const Category category : kCategories) {
    counts[std::string(category_name(category))] = 0;
    crates[std::string(category_name(category))] = json::array();
  }
  for (const Comparison* c : comparisons) {
    const std::string name(category_name(c->category));
    counts[name] = counts[name].get<size_t>() + 1;
    json entry = {
        {"crate", c->crate},
        {"version", c->version},
        {"downloads", c->downloads},
        {"a", side_json(c->a, c->retries_a)},
        {"b", side_json(c->b, c->retries_b)},
    };
    if (c->category != Category::kUnchanged) {
      entry["page"] = crate_page_href(*c);
      entry["first_difference"] =
          c->first_difference ? json(*c->first_difference + 1) : json(nullptr);
    }
    crates[name].push_back(std::move(entry));
  }
  return {{"a", run_json(a)}, {"b", run_json(b)}, {"counts", counts}, {"crates", crates}};
}

std::string crate_page(const Run& a, const Run& b, const Comparison& comparison,
                       const LogLines& log_a, const LogLines& log_b, bool same_store) {
  const std::string title =
      comparison.crate + " " + comparison.version + ": " + a.name + " \u2192 " + b.name;
  std::string html = report::page_head(title, kCrateCss);
  html += "<main><h1>" + escape_html(title) + "</h1>\n";
  html += "<p class=\"links\"><a href=\"../index.html\">all crates</a><a href=\"" +
          log_href(3, a.name, comparison) + "\">A log</a>";
  if (same_store) html += "<a href=\"" + log_href(3, b.name, comparison) + "\">B log</a>";
  html += "</p>\n<p id=\"category\" data-category=\"" +
          std::string(category_name(comparison.category)) + "\">" +
          std::string(category_label(comparison.category)) + ": " + side_html(comparison.a) +
          retries_html(comparison.retries_a) + " \u2192 " + side_html(comparison.b) +
          retries_html(comparison.retries_b) + "</p>\n";
  html += "<p id=\"difference\">";
  html += comparison.first_difference
              ? "The logs first differ at line " +
                    std::to_string(*comparison.first_difference + 1) + " (marked)."
              : std::string("The logs are the same.");
  html += "</p>\n<div id=\"logs\">\n";
  const auto pane = [&](char side, const Run& run, const LogLines& log) {
    std::string out = "<div class=\"log\" id=\"log-" + std::string(1, side) + "\"><h2>" +
                      std::string(1, static_cast<char>(side - 'a' + 'A')) + ": " +
                      escape_html(run.name) + "</h2>\n";
    for (size_t i = 0; i < log.lines.size(); ++i) {
      const bool marked = comparison.first_difference == i;
      out += marked ? "<div class=\"line diff\" id=\"diff-" + std::string(1, side) + "\">"
                    : std::string("<div class=\"line\">");
      out += "<i>" + std::to_string(i + 1) + "</i>" + escape_html(log.lines[i]) + "</div>\n";
    }
    if (comparison.first_difference == log.lines.size()) {
      out += "<div class=\"line diff\" id=\"diff-" + std::string(1, side) +
             "\"><i></i><span class=\"dim\">(the log ends here)</span></div>\n";
    }
    if (log.truncated) {
      out += "<div class=\"line dim\">(more lines: see the full log)</div>\n";
    }
    out += "</div>\n";
    return out;
  };
  html += pane('a', a, log_a);
  html += pane('b', b, log_b);
  html += "</div></main>\n";
  html += kCrateScript;
  html += report::kPageEnd;
  return html;
}

}  // namespace compare
