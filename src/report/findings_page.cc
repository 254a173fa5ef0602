#include <algorithm>
#include <cstdio>
#include <string>

#include "report/escape.h"
#include "report/pages.h"
#include "report/theme.h"
#include "report/units.h"

namespace report {

namespace {

constexpr std::string_view kCss =
    "body{display:flex;height:100vh;overflow:hidden}"
    "#list{width:36%;min-width:18em;overflow:auto;padding:12px 16px;box-sizing:border-box}"
    "#log{flex:1;height:100vh;border:0;border-left:1px solid var(--line);background:#1e1e1e}"
    "#list li{padding:4px 6px;border-radius:3px}#list li.selected{background:var(--sel)}"
    "#list li.selected a{color:var(--fg)}"
    "a.crate{text-decoration:none}a.crate .v,.downloads{color:var(--dim)}.downloads{float:right}"
    ".causes{padding-left:1em}#message:empty{display:none}#message{color:var(--warn)}"
    "@media (max-width:700px){body{display:block;overflow:auto;height:auto}"
    "#list{width:auto;height:45vh}#log{width:100%;height:55vh;border:0;"
    "border-top:1px solid var(--line)}}";

// Plain HTML already works: each link targets the frame by name. The script
// keeps the choice in the URL (?crate=&version=) so a view can be shared,
// and opens the one a shared URL names.
constexpr std::string_view kScript = R"(<script>
(function(){
var frame=document.getElementById('log'),message=document.getElementById('message');
var links=Array.prototype.slice.call(document.querySelectorAll('a.crate'));
function logUrl(crate,version){
  return 'logs/'+encodeURIComponent(crate)+'/'+encodeURIComponent(version);
}
function show(crate,version,link){
  links.forEach(function(a){a.parentNode.classList.toggle('selected',a===link);});
  frame.removeAttribute('srcdoc');
  frame.src=logUrl(crate,version);
  var params=new URLSearchParams();
  params.set('crate',crate);params.set('version',version);
  history.replaceState(null,'','?'+params.toString());
}
links.forEach(function(a){
  a.addEventListener('click',function(e){
    if(e.button!==0||e.ctrlKey||e.metaKey||e.shiftKey||e.altKey)return;
    e.preventDefault();
    show(a.dataset.crate,a.dataset.version,a);
  });
});
var params=new URLSearchParams(location.search),crate=params.get('crate');
if(crate!==null){
  var version=params.get('version');
  var link=links.find(function(a){
    return a.dataset.crate===crate&&(version===null||a.dataset.version===version);
  })||null;
  if(version===null&&link)version=link.dataset.version;
  if(version!==null){
    show(crate,version,link);
    if(link)link.scrollIntoView({block:'center'});
  }else{
    message.textContent='No findings for \u201c'+crate+'\u201d.';
  }
}
})();
</script>
)";

constexpr std::string_view kEmptyFrame =
    "<body style=&quot;background:#1e1e1e;color:#d4d4d4;font:13px monospace;padding:16px&quot;>"
    "Choose a crate to see its log.";

void append_causes(std::string& html, const CrateEntry& entry) {
  html += "<div class=\"causes\">";
  bool first = true;
  for (const Finding& finding : entry.findings) {
    if (!first) html += "; ";
    first = false;
    html += "<span class=\"kind\">" + escape_html(finding.kind) + "</span>";
    if (!finding.source_crate.empty() && finding.source_crate != entry.crate) {
      html += " <span class=\"source\">in " + escape_html(finding.source_crate) + "</span>";
    }
    if (finding.possible_false_positive) {
      html +=
          " <span class=\"fp\" title=\"possibly a false positive\">(maybe false positive)</span>";
    }
  }
  html += "</div>";
}

}  // namespace

std::string findings_page(std::string_view tool, const std::vector<const CrateEntry*>& newest) {
  std::vector<const CrateEntry*> found;
  for (const CrateEntry* entry : newest) {
    if (entry->outcome == "ub") found.push_back(entry);
  }
  // Most downloaded first: those are the findings that matter to most people.
  std::stable_sort(found.begin(), found.end(), [](const CrateEntry* a, const CrateEntry* b) {
    return a->downloads > b->downloads;
  });

  std::string html = page_head(std::string(tool) + ": undefined behaviour", kCss);
  html += "<nav id=\"list\"><h1>" + escape_html(tool) + ": undefined behaviour</h1>\n";
  html +=
      "<p class=\"links\"><a href=\"index.html\">search</a><a href=\"summary.html\">summary</a>"
      "</p>\n";
  html += "<p class=\"dim\">" + std::to_string(found.size()) +
          " crates, most downloaded first.</p><p id=\"message\" role=\"status\"></p>\n";
  html += "<ol class=\"plain\">\n";
  for (const CrateEntry* entry : found) {
    const std::string crate = escape_html(entry->crate);
    const std::string version = escape_html(entry->version);
    html += "<li><a class=\"crate\" data-crate=\"" + crate + "\" data-version=\"" + version +
            "\" href=\"" + log_href(entry->crate, entry->version) + "\" target=\"log\">" + crate +
            " <span class=\"v\">" + version + "</span></a>";
    html += "<span class=\"downloads\" title=\"downloads\">" + downloads_text(entry->downloads) +
            "</span>";
    append_causes(html, *entry);
    html += "</li>\n";
  }
  html += "</ol></nav>\n<iframe id=\"log\" name=\"log\" title=\"log\" srcdoc=\"";
  html += kEmptyFrame;
  html += "\"></iframe>\n";
  html += kScript;
  html += kPageEnd;
  return html;
}

}  // namespace report
