#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "report/escape.h"
#include "report/pages.h"
#include "report/theme.h"
#include "report/units.h"

namespace report {

namespace {

constexpr std::string_view kCss =
    "#suggestions li{padding:2px 0}#suggestions .v{color:var(--dim);margin-left:.8em}"
    "#message:empty{display:none}#message{color:var(--warn)}"
    "#outcomes td{padding:3px 18px 3px 0}#outcomes a{text-decoration:none}"
    "#outcomes a:hover .o,#outcomes a:focus .o{text-decoration:underline}"
    "code{font:inherit}";

// Names fold as crates.io folds them: case and '-' against '_' do not make
// another crate. Enter on a name goes to its newest log; so does
// ?crate=NAME, for links from elsewhere.
constexpr std::string_view kScript = R"(<script>
(function(){
var flat=JSON.parse(document.getElementById('crates').textContent);
var names=[],folded=[],newest=new Map(),byFold=new Map();
function fold(s){return s.toLowerCase().replace(/_/g,'-');}
for(var i=0;i+1<flat.length;i+=2){
  names.push(flat[i]);folded.push(fold(flat[i]));
  newest.set(flat[i],flat[i+1]);byFold.set(fold(flat[i]),flat[i]);
}
var search=document.getElementById('search'),form=document.getElementById('find');
var message=document.getElementById('message'),list=document.getElementById('suggestions');
function find(query){
  query=query.trim();
  if(newest.has(query))return query;
  var name=byFold.get(fold(query));
  return name===undefined?null:name;
}
function logUrl(name){
  return 'logs/'+encodeURIComponent(name)+'/'+encodeURIComponent(newest.get(name));
}
function notFound(query){message.textContent='No crate named \u201c'+query+'\u201d has a result.';}
var params=new URLSearchParams(location.search);
if(params.has('crate')){
  var wanted=params.get('crate'),name=find(wanted);
  if(name!==null){location.replace(logUrl(name));return;}
  search.value=wanted;notFound(wanted);
}
form.addEventListener('submit',function(e){
  e.preventDefault();
  var name=find(search.value);
  if(name===null){notFound(search.value.trim());return;}
  location.href=logUrl(name);
});
function suggest(){
  message.textContent='';
  list.textContent='';
  var q=fold(search.value.trim());
  if(!q)return;
  var hits=[],i;
  for(i=0;i<names.length&&hits.length<20;i++)if(folded[i].startsWith(q))hits.push(i);
  for(i=0;i<names.length&&hits.length<20;i++)
    if(!folded[i].startsWith(q)&&folded[i].indexOf(q)>=0)hits.push(i);
  hits.forEach(function(i){
    var li=document.createElement('li'),a=document.createElement('a'),v=document.createElement('span');
    a.href=logUrl(names[i]);a.textContent=names[i];
    v.className='v';v.textContent=newest.get(names[i]);
    a.appendChild(v);li.appendChild(a);list.appendChild(li);
  });
}
search.addEventListener('input',suggest);
})();
</script>
)";

/// The distinct values of one fact over the crates, the most common first,
/// with how many crates had each.
std::vector<std::pair<std::string, size_t>> distinct(
    const std::vector<const CrateEntry*>& newest,
    const std::function<std::string(const CrateEntry&)>& fact) {
  std::map<std::string, size_t> counts;
  for (const CrateEntry* entry : newest) {
    std::string value = fact(*entry);
    if (!value.empty()) ++counts[std::move(value)];
  }
  std::vector<std::pair<std::string, size_t>> values(counts.begin(), counts.end());
  std::stable_sort(values.begin(), values.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return values;
}

/// One row of the run's facts; none when no record has the fact. Several
/// values (a run resumed with another toolchain) are each shown with their
/// count, at most five.
void append_fact(std::string& html, std::string_view label,
                 const std::vector<std::pair<std::string, size_t>>& values, std::string_view id) {
  if (values.empty()) return;
  html += "<dt>" + std::string(label) + "</dt><dd id=\"" + std::string(id) + "\">";
  for (size_t i = 0; i < values.size() && i < 5; ++i) {
    if (i) html += "<br>";
    html += "<code>" + escape_html(values[i].first) + "</code>";
    if (values.size() > 1) {
      html += " <span class=\"dim\">(" + crates_text(values[i].second) + ")</span>";
    }
  }
  if (values.size() > 5) {
    html += "<br><span class=\"dim\">and " + std::to_string(values.size() - 5) + " more</span>";
  }
  html += "</dd>";
}

std::string time_text(std::string_view iso) {
  std::string text(iso);
  if (text.size() == 20 && text[10] == 'T' && text[19] == 'Z') {
    text[10] = ' ';
    text.replace(16, 4, " UTC");  // minutes are enough here
  }
  return text;
}

std::string run_facts(std::string_view tool, const std::vector<const CrateEntry*>& newest) {
  std::string html = "<h2>The run</h2>\n<dl class=\"facts\" id=\"facts\">";
  html += "<dt>tool</dt><dd><code>" + escape_html(tool) + "</code></dd>";
  html += "<dt>crates</dt><dd>" + count_text(newest.size()) +
          " <span class=\"dim\">(the newest tested version of each)</span></dd>";
  append_fact(html, "toolchain",
              distinct(newest,
                       [](const CrateEntry& e) {
                         if (e.toolchain_version.empty()) return e.toolchain;
                         return e.toolchain.empty()
                                    ? e.toolchain_version
                                    : e.toolchain + " (" + e.toolchain_version + ")";
                       }),
              "toolchain");
  append_fact(html, "flags", distinct(newest, [](const CrateEntry& e) { return e.flags; }),
              "flags");
  std::string first, last;
  for (const CrateEntry* entry : newest) {
    if (entry->started.empty()) continue;
    if (first.empty() || entry->started < first) first = entry->started;
    if (last.empty() || entry->started > last) last = entry->started;
  }
  if (!first.empty()) {
    html += "<dt>ran</dt><dd id=\"ran\">" + escape_html(time_text(first));
    if (last != first) html += " \u2013 " + escape_html(time_text(last));
    html += " <span class=\"dim\">(the first and the last crate started)</span></dd>";
  }
  append_fact(html, "registry", distinct(newest, [](const CrateEntry& e) { return e.registry; }),
              "registry");
  append_fact(html, "engine", distinct(newest, [](const CrateEntry& e) { return e.engine; }),
              "engine");
  html += "</dl>\n";
  return html;
}

std::string outcome_counts(const std::vector<const CrateEntry*>& newest, const CrateLists& lists) {
  std::string html = "<h2>Outcomes</h2>\n<table id=\"outcomes\"><tbody>\n";
  for (const CrateList& list : lists.outcomes) {
    const size_t n = list.crates.size();
    char share[32];
    std::snprintf(
        share, sizeof share, "%.1f%%",
        100.0 * static_cast<double>(n) / static_cast<double>(std::max<size_t>(newest.size(), 1)));
    html += "<tr><td>";
    if (n > 0) {
      html += "<a href=\"" + list_href(list.outcome) + "\">" + outcome_badge(list.outcome) + "</a>";
    } else {
      html += outcome_badge(list.outcome);
    }
    html += "</td><td class=\"n\">" + count_text(n) + "</td><td class=\"n dim\">" + share +
            "</td><td class=\"dim\">" + escape_html(outcome_meaning(list.outcome)) + "</td></tr>\n";
  }
  html += "</tbody></table>\n";
  return html;
}

}  // namespace

std::string index_page(std::string_view tool, const std::vector<const CrateEntry*>& newest,
                       const CrateLists& lists, bool has_archives) {
  const std::string name = escape_html(tool);
  std::string html = page_head(std::string(tool) + " results", kCss);
  html += "<main><h1>" + name + "</h1>\n<p class=\"links\"><a href=\"list.html\">every outcome</a>";
  html += "<a href=\"ub\">undefined behaviour</a><a href=\"summary.html\">summary</a>";
  if (has_archives) {
    html +=
        "<a href=\"raw.tar.xz\">raw logs (tar.xz)</a><a href=\"html.tar.xz\">pages (tar.xz)</a>";
  }
  html +=
      "</p>\n<form id=\"find\" action=\"index.html\" method=\"get\" autocomplete=\"off\">"
      "<input id=\"search\" name=\"crate\" type=\"search\" placeholder=\"crate name, then Enter\" "
      "aria-label=\"crate name\" autofocus spellcheck=\"false\"></form>\n"
      "<p id=\"message\" role=\"status\"></p>\n<ul id=\"suggestions\" class=\"plain\"></ul>\n";
  html +=
      "<p class=\"dim\">" + count_text(newest.size()) + " crates tested with " + name + ".</p>\n";
  html += outcome_counts(newest, lists);
  html += run_facts(tool, newest);
  html += "</main>\n";
  // A flat [name, version, ...] array: compact, and no crate name can be a
  // key that JavaScript objects treat specially ("__proto__").
  html += "<script type=\"application/json\" id=\"crates\">[";
  bool first = true;
  for (const CrateEntry* entry : newest) {
    if (!first) html += ',';
    first = false;
    html += json_string(entry->crate);
    html += ',';
    html += json_string(entry->version);
  }
  html += "]</script>\n";
  html += kScript;
  html += kPageEnd;
  return html;
}

std::string log_href(std::string_view crate, std::string_view version) {
  return "logs/" + url_segment(crate) + "/" + url_segment(version);
}

}  // namespace report
