#include <string>

#include "report/escape.h"
#include "report/pages.h"
#include "report/theme.h"

namespace report {

namespace {

constexpr std::string_view kCss =
    "#suggestions li{padding:2px 0}#suggestions .v{opacity:.6;margin-left:.8em}"
    "#message:empty{display:none}#message{color:#e5e510}";

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

}  // namespace

std::string index_page(std::string_view tool, const std::vector<const CrateEntry*>& newest,
                       bool has_archives) {
  const std::string name = escape_html(tool);
  std::string html = page_head(std::string(tool) + " results", kCss);
  html += "<main><h1>" + name + "</h1>\n<p class=\"links\"><a href=\"ub\">undefined behaviour</a>";
  html += "<a href=\"summary.html\">summary</a>";
  if (has_archives) {
    html +=
        "<a href=\"raw.tar.xz\">raw logs (tar.xz)</a><a href=\"html.tar.xz\">pages (tar.xz)</a>";
  }
  html +=
      "</p>\n<form id=\"find\" action=\"index.html\" method=\"get\" autocomplete=\"off\">"
      "<input id=\"search\" name=\"crate\" type=\"search\" placeholder=\"crate name, then Enter\" "
      "aria-label=\"crate name\" autofocus spellcheck=\"false\"></form>\n"
      "<p id=\"message\" role=\"status\"></p>\n<ul id=\"suggestions\" class=\"plain\"></ul>\n";
  html += "<p class=\"dim\">" + std::to_string(newest.size()) + " crates tested with " + name +
          ".</p></main>\n";
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
