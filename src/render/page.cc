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

// The header of a log in a site (T/logs/NAME/VERSION): which crate, its
// outcome and causes, the run's facts, and the ways out. The page is
// written as the log streams, before the outcome is known, so the header
// is filled by the script below from the result record beside it
// (../../results/NAME/VERSION.json). Its lines keep their height whatever
// they hold, so filling them never moves the log under the reader. Its
// links leave the findings page's frame for the whole window.
constexpr std::string_view kHeaderCss =
    "#cah-head{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;"
    "font-size:13px;line-height:1.5;padding:6px 12px 8px;background:#252526;color:#d4d4d4;"
    "border-bottom:1px solid #4a4a4a}"
    "#cah-head a{color:#4fa3ff}#cah-head a:focus-visible{outline:2px solid #4fa3ff}"
    "#cah-head nav a{margin-right:1.5em}"
    "#cah-head h1{font-size:15px;margin:2px 0;white-space:nowrap;overflow:hidden;"
    "text-overflow:ellipsis}#cah-version{font-weight:normal;color:#a0a0a0}"
    "#cah-head p{margin:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}"
    ".cah-dim{color:#a0a0a0}.cah-kind{color:#f14c4c}.cah-fp{color:#e5e510}"
    "#cah-outcome{margin-left:.8em;color:var(--o,#d4d4d4)}#cah-outcome::before{content:'';"
    "display:inline-block;width:.8em;height:.8em;margin-right:.4em;border-radius:2px;"
    "background:var(--o,#d4d4d4)}"
    ".cah-passed{--o:#23d18b}.cah-build-failed{--o:#e5e510}.cah-test-failed{--o:#d670d6}"
    ".cah-ub{--o:#f14c4c}.cah-timed-out{--o:#4fa3ff}.cah-oom{--o:#29b8db}"
    ".cah-broken{--o:#e8955a}.cah-error{--o:#a0a0a0}";

constexpr std::string_view kHeader =
    "<header id=\"cah-head\" hidden><nav><a id=\"cah-home\" href=\"../../index.html\" "
    "target=\"_top\">\xe2\x86\x90 all crates</a><a id=\"cah-list\" href=\"../../list.html\" "
    "target=\"_top\">the outcome's list</a><a id=\"cah-raw\" target=\"_top\">raw log</a>"
    "<a id=\"cah-crates-io\" target=\"_top\">crates.io</a>"
    "<a id=\"cah-docs-rs\" target=\"_top\">docs.rs</a></nav>"
    "<h1><span id=\"cah-crate\"></span> <span id=\"cah-version\"></span>"
    "<span id=\"cah-outcome\">\xe2\x80\xa6</span></h1>"
    "<p id=\"cah-causes\">&nbsp;</p><p id=\"cah-facts\" class=\"cah-dim\">&nbsp;</p>"
    "<p id=\"cah-run\" class=\"cah-dim\">&nbsp;</p></header>";

// Reads the record's outcome as the site does (publish.cc, site_outcome):
// the diagnosis's, else the record's own.
constexpr std::string_view kHeaderScript = R"(<script>
(function(){
var parts=location.pathname.split('/'),n=parts.length;
if(n<4||parts[n-3]!=='logs')return;
function dec(s){try{return decodeURIComponent(s);}catch(e){return s;}}
function el(id){return document.getElementById(id);}
var crate=dec(parts[n-2]),version=dec(parts[n-1]),tool=dec(parts[n-4]||'');
var c=encodeURIComponent(crate),v=encodeURIComponent(version);
el('cah-crate').textContent=crate;el('cah-version').textContent=version;
el('cah-raw').href='../../raw/'+c+'/'+v;
el('cah-crates-io').href='https://crates.io/crates/'+c+'/'+v;
el('cah-docs-rs').href='https://docs.rs/'+c+'/'+v;
el('cah-head').hidden=false;
var known=['passed','build-failed','test-failed','ub','timed-out','oom','broken','error'];
function outcomeOf(r){
  var d=r.diagnosis;
  if(r.schema>=2)return r.outcome;
  if(d&&typeof d.outcome==='string')return d.outcome;
  return r.outcome==='out-of-memory'?'oom':(r.outcome||'error');
}
function seconds(s){
  if(s<60)return s.toFixed(1)+' s';
  if(s<3600)return Math.floor(s/60)+' min '+String(Math.floor(s%60)).padStart(2,'0')+' s';
  var m=Math.floor(s/60);return Math.floor(m/60)+' h '+String(m%60).padStart(2,'0')+' min';
}
function memory(b){
  var u=[['GiB',1073741824],['MiB',1048576],['KiB',1024]];
  for(var i=0;i<u.length;i++)if(b>=u[i][1]||i===u.length-1)return (b/u[i][1]).toFixed(1)+' '+u[i][0];
}
function add(p,text,cls){
  var s=document.createElement('span');s.textContent=text;if(cls)s.className=cls;p.appendChild(s);
}
function fill(r){
  var d=r.schema>=2?r:(r.diagnosis||{}),outcome=outcomeOf(r),o=el('cah-outcome');
  if(r.tool)tool=r.tool;
  o.textContent=outcome;
  o.className=known.indexOf(outcome)>=0?'cah-'+outcome:'';
  el('cah-list').href='../../list.html?outcome='+encodeURIComponent(outcome);
  el('cah-list').textContent='every '+outcome+' crate';
  el('cah-home').textContent='\u2190 '+tool+' results';
  document.title=crate+' '+version+': '+outcome+' \u2014 '+tool;
  var p=el('cah-causes'),all=[];
  p.textContent='';
  (d.causes||[]).forEach(function(k,i){
    if(i)add(p,'; ');
    add(p,k.kind,'cah-kind');
    if(k.source_crate&&k.source_crate!==crate)add(p,' in '+k.source_crate);
    if(k.possible_false_positive)add(p,' (maybe false positive)','cah-fp');
    all.push(k.kind+(k.excerpt?': '+k.excerpt:''));
  });
  var reason=(r.broken&&r.broken.detail)||r.reason||d.reason||(outcome==='error'?r.error:'');
  if(reason){if(p.firstChild)add(p,'; ');add(p,reason);all.push(reason);}
  if((d.spurious||[]).length){
    add(p,(p.firstChild?'; ':'')+'also: '+d.spurious.join(', '),'cah-dim');
  }
  if(!p.firstChild)add(p,'no causes recorded','cah-dim');
  p.title=all.join('\n');
  var run=[],facts=[];
  if(r.toolchain)run.push('toolchain '+r.toolchain+(r.toolchain_version?' ('+r.toolchain_version+')':''));
  if(r.env&&typeof r.env==='object')Object.keys(r.env).forEach(function(k){run.push(k+'='+r.env[k]);});
  if(r.started)facts.push('started '+r.started.replace('T',' ').replace(/:\d\dZ$/,' UTC'));
  if(typeof r.wall_seconds==='number')facts.push('took '+seconds(r.wall_seconds));
  if(r.peak_memory_bytes)facts.push(memory(r.peak_memory_bytes)+' peak memory');
  if(r.attempts>1)facts.push(r.attempts+' attempts');
  if(r.engine)facts.push('engine '+r.engine);
  el('cah-facts').textContent=facts.join(' \u00b7 ');
  el('cah-facts').title=facts.join('\n');
  el('cah-run').textContent=run.join(' \u00b7 ');
  el('cah-run').title=run.join('\n');
}
fetch('../../results/'+c+'/'+v+'.json').then(function(r){
  if(!r.ok)throw new Error(r.status===404?'no result is recorded yet':'HTTP '+r.status);
  return r.json();
}).then(fill).catch(function(e){
  el('cah-outcome').textContent='?';
  el('cah-causes').textContent='The result record could not be read: '+e.message+'.';
});
})();
</script>
)";

}  // namespace

Page::Page(std::string_view title, Sink sink) : sink_(sink), renderer_(std::move(sink)) {
  std::string head =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<meta name=\"generator\" content=\"crater-at-home\">\n<title>";
  head += escape_html(title);
  head += "</title>\n<style>";
  head += stylesheet();
  head += kHeaderCss;
  head += "</style></head>\n<body>";
  head += kHeader;
  head += "<pre>";
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
  tail += kHeaderScript;
  tail += kScrollScript;
  tail += "</body></html>\n";
  sink_(tail);
}

}  // namespace render
