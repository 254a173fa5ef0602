#include <string>

#include "report/escape.h"
#include "report/pages.h"
#include "report/theme.h"
#include "report/units.h"

namespace report {

namespace {

constexpr std::string_view kCss =
    "ul.tabs{list-style:none;padding:0;margin:12px 0;display:flex;flex-wrap:wrap;gap:6px}"
    "ul.tabs a{display:inline-block;padding:4px 10px;border:1px solid var(--line);"
    "border-radius:4px;text-decoration:none;color:var(--fg)}"
    "ul.tabs a[aria-current]{border-color:var(--link);box-shadow:inset 0 -3px 0 var(--link)}"
    "ul.tabs .count{color:var(--dim);margin-left:.3em}ul.tabs li.dim{padding:5px 4px 0 0}"
    "#crates{width:100%}#crates tbody tr:nth-child(even){background:var(--panel)}"
    "#crates td.n,#crates th.n{white-space:nowrap}#crates td.causes{max-width:36em}"
    "#crates tbody tr:focus-within{outline:2px solid var(--link);outline-offset:-2px}"
    "#crates a.crate{text-decoration:none;font-weight:bold}"
    "#crates a.crate:focus-visible{outline:0;text-decoration:underline}"
    "#pager{margin:12px 0;display:flex;gap:1.5em;align-items:center}#pager a[hidden]{display:none}"
    ".keys{margin-top:16px}#status:empty{display:none}kbd{border:1px solid var(--line);"
    "border-radius:3px;padding:0 3px}";

// The data is the list of lists (names, counts, where the slices are); the
// rows come from one slice, fetched relative to this page, so the page
// works on a bucket website, from `serve` and with `file://` where fetch is
// allowed. Row text goes in through textContent only.
constexpr std::string_view kScript = R"(<script>
(function(){
var data=JSON.parse(document.getElementById('lists').textContent);
var params=new URLSearchParams(location.search);
var outcome=params.get('outcome'),kind=params.get('kind');
var page=Math.max(1,parseInt(params.get('page')||'1',10)||1);
var status=document.getElementById('status'),what=document.getElementById('what');
var table=document.getElementById('crates'),body=table.tBodies[0];
var prev=document.getElementById('prev'),next=document.getElementById('next');
var range=document.getElementById('range');
function fmt(n){return n.toLocaleString('en-US');}
function seconds(s){
  if(s<60)return s.toFixed(1)+' s';
  if(s<3600)return Math.floor(s/60)+' min '+String(Math.floor(s%60)).padStart(2,'0')+' s';
  var m=Math.floor(s/60);return Math.floor(m/60)+' h '+String(m%60).padStart(2,'0')+' min';
}
function memory(b){
  if(!b)return '';
  var u=[['GiB',1073741824],['MiB',1048576],['KiB',1024]];
  for(var i=0;i<u.length;i++)if(b>=u[i][1]||i===u.length-1)return (b/u[i][1]).toFixed(1)+' '+u[i][0];
}
function downloads(d){
  if(d>=1e6)return (d/1e6).toFixed(1)+'M';
  if(d>=1e3)return (d/1e3).toFixed(1)+'k';
  return String(d);
}
function logUrl(crate,version){
  return 'logs/'+encodeURIComponent(crate)+'/'+encodeURIComponent(version);
}
function pageUrl(n){
  var p=new URLSearchParams(location.search);
  if(n>1)p.set('page',String(n));else p.delete('page');
  return '?'+p.toString();
}
document.querySelectorAll('ul.tabs a').forEach(function(a){
  if(a.dataset.outcome===outcome&&(a.dataset.kind||null)===kind)
    a.setAttribute('aria-current','page');
});
if(outcome===null&&kind===null){status.textContent='Choose an outcome above.';return;}
if(outcome===null)outcome='ub';
var label=kind===null?outcome:outcome+': '+kind;
var list=null;
(kind===null?data.outcomes:data.kinds).forEach(function(l){
  if(l.outcome===outcome&&(kind===null||l.kind===kind))list=l;
});
var count=list?list.count:0;
what.textContent=label;
what.className='o '+(data.known.indexOf(outcome)>=0?'o-'+outcome:'o-other');
document.title=data.tool+': '+label+' ('+fmt(count)+')';
table.setAttribute('aria-label','crates: '+label);
if(count===0){
  status.textContent=kind===null?'No crate has the outcome \u201c'+outcome+'\u201d.'
                                 :'No crate has a finding of the kind \u201c'+kind+'\u201d.';
  return;
}
var pages=Math.ceil(count/data.slice);
if(page>pages)page=pages;
var first=(page-1)*data.slice;
status.textContent='Loading\u2026';
function cell(tr,text,cls){
  var td=document.createElement('td');
  if(cls)td.className=cls;
  if(text!==undefined)td.textContent=text;
  tr.appendChild(td);return td;
}
function show(rows){
  var frag=document.createDocumentFragment();
  rows.forEach(function(r,i){
    var crate=r[0],version=r[1],tr=document.createElement('tr');
    cell(tr,fmt(first+i+1),'n dim');
    var a=document.createElement('a');
    a.className='crate';a.href=logUrl(crate,version);a.textContent=crate;
    a.title='the log of '+crate+' '+version;
    cell(tr).appendChild(a);
    cell(tr,version);
    var causes=cell(tr,undefined,'causes');
    r[5].forEach(function(c,j){
      if(j)causes.appendChild(document.createTextNode('; '));
      var k=document.createElement('span');k.className='kind';k.textContent=c[0];
      causes.appendChild(k);
      if(c[1]&&c[1]!==crate)causes.appendChild(document.createTextNode(' in '+c[1]));
      if(c[2]){
        var fp=document.createElement('span');fp.className='fp';
        fp.textContent=' (maybe false positive)';causes.appendChild(fp);
      }
    });
    if(r[6]){
      var why=document.createElement('span');why.className='reason';why.textContent=r[6];
      if(r[5].length)causes.appendChild(document.createTextNode('; '));
      causes.appendChild(why);
    }
    if(!causes.firstChild){causes.textContent='\u2014';causes.classList.add('dim');}
    cell(tr,seconds(r[3]),'n');
    cell(tr,memory(r[4]),'n');
    cell(tr,downloads(r[2]),'n');
    frag.appendChild(tr);
  });
  body.appendChild(frag);
  table.hidden=false;
  status.textContent='';
  range.textContent=fmt(first+1)+'\u2013'+fmt(first+rows.length)+' of '+fmt(count)+
    ', most downloaded first';
  if(page>1){prev.href=pageUrl(page-1);prev.hidden=false;}
  if(page<pages){next.href=pageUrl(page+1);next.hidden=false;}
}
fetch(list.path+'/'+(page-1)+'.json').then(function(r){
  if(!r.ok)throw new Error('HTTP '+r.status);
  return r.json();
}).then(show).catch(function(e){status.textContent='The list could not be loaded: '+e.message;});
// j/k or the arrows move between crates (Enter opens the log), n/p change page.
document.addEventListener('keydown',function(e){
  if(e.ctrlKey||e.metaKey||e.altKey||/^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName))return;
  var links=Array.prototype.slice.call(body.querySelectorAll('a.crate'));
  var at=links.indexOf(document.activeElement),to=null;
  if(e.key==='j'||(e.key==='ArrowDown'&&at>=0))to=at<0?0:Math.min(at+1,links.length-1);
  else if(e.key==='k'||(e.key==='ArrowUp'&&at>=0))to=at<0?0:Math.max(at-1,0);
  else if(e.key==='n'&&!next.hidden){location.href=next.href;return;}
  else if(e.key==='p'&&!prev.hidden){location.href=prev.href;return;}
  if(to===null||!links.length)return;
  e.preventDefault();
  links[to].focus();
  links[to].scrollIntoView({block:'nearest'});
});
})();
</script>
)";

void append_tab(std::string& html, const CrateList& list) {
  html += "<li><a href=\"" + list_href(list.outcome, list.kind) + "\" data-outcome=\"" +
          escape_html(list.outcome) + "\"";
  if (!list.kind.empty()) html += " data-kind=\"" + escape_html(list.kind) + "\"";
  html += ">";
  if (list.kind.empty()) {
    html += outcome_badge(list.outcome);
  } else {
    html += "<span class=\"kind\">" + escape_html(list.kind) + "</span>";
  }
  html += "<span class=\"count\">" + count_text(list.crates.size()) + "</span></a></li>";
}

std::string list_json(const CrateList& list) {
  return "{\"outcome\":" + json_string(list.outcome) + ",\"kind\":" + json_string(list.kind) +
         ",\"count\":" + std::to_string(list.crates.size()) +
         ",\"path\":" + json_string(list.path) + "}";
}

}  // namespace

std::string list_page(std::string_view tool, const CrateLists& lists) {
  const std::string name = escape_html(tool);
  std::string html = page_head(std::string(tool) + ": crates by outcome", kCss);
  html += "<main><h1>" + name + ": <span id=\"what\">crates by outcome</span></h1>\n";
  html +=
      "<p class=\"links\"><a href=\"index.html\">search</a><a href=\"summary.html\">summary</a>"
      "<a href=\"ub\">undefined behaviour beside each log</a></p>\n";
  html += "<nav aria-label=\"outcomes\"><ul class=\"tabs\">";
  for (const CrateList& list : lists.outcomes) append_tab(html, list);
  html += "</ul>";
  if (!lists.kinds.empty()) {
    html +=
        "<ul class=\"tabs\" aria-label=\"kinds of undefined behaviour\"><li class=\"dim\">"
        "kinds of ub:</li>";
    for (const CrateList& list : lists.kinds) append_tab(html, list);
    html += "</ul>";
  }
  html += "</nav>\n<p id=\"status\" role=\"status\" aria-live=\"polite\"></p>\n";
  html +=
      "<table id=\"crates\" hidden><thead><tr><th class=\"n\">#</th><th>crate</th>"
      "<th>version</th><th>causes</th><th class=\"n\">time</th><th class=\"n\">peak memory</th>"
      "<th class=\"n\">downloads</th></tr></thead><tbody></tbody></table>\n";
  html +=
      "<nav id=\"pager\" aria-label=\"pages\"><a id=\"prev\" rel=\"prev\" hidden>\u2039 "
      "previous</a><span id=\"range\" class=\"dim\"></span><a id=\"next\" rel=\"next\" "
      "hidden>next \u203a</a></nav>\n";
  html +=
      "<p class=\"dim keys\">Keys: <kbd>j</kbd>/<kbd>k</kbd> or <kbd>\u2193</kbd>/<kbd>\u2191"
      "</kbd> move between crates, <kbd>Enter</kbd> opens the log, <kbd>n</kbd>/<kbd>p</kbd> "
      "the next or previous page.</p></main>\n";
  html += "<script type=\"application/json\" id=\"lists\">{\"tool\":" + json_string(tool) +
          ",\"slice\":" + std::to_string(kSliceRows) + ",\"known\":[";
  bool first = true;
  for (std::string_view outcome : kOutcomes) {
    html += (first ? "" : ",") + json_string(outcome);
    first = false;
  }
  html += "],\"outcomes\":[";
  first = true;
  for (const CrateList& list : lists.outcomes) {
    html += (first ? "" : ",") + list_json(list);
    first = false;
  }
  html += "],\"kinds\":[";
  first = true;
  for (const CrateList& list : lists.kinds) {
    html += (first ? "" : ",") + list_json(list);
    first = false;
  }
  html += "]}</script>\n";
  html += kScript;
  html += kPageEnd;
  return html;
}

std::string list_href(std::string_view outcome, std::string_view kind) {
  std::string href = "list.html?outcome=" + url_segment(outcome);
  if (!kind.empty()) href += "&amp;kind=" + url_segment(kind);
  return href;
}

}  // namespace report
