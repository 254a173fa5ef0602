#include <string>

#include "report/escape.h"
#include "report/pages.h"
#include "report/theme.h"

namespace report {

namespace {

// A bucket website serves this page at the missing key's own URL, at any
// depth, so relative links would point nowhere. The plain link assumes the
// tool sits at the top of the site; the script finds the tool's folder in
// the path instead, and names the log that is missing.
constexpr std::string_view kScript = R"(<script>
(function(){
var tool=TOOL;
var parts=location.pathname.split('/'),at=-1;
for(var i=0;i<parts.length;i++){
  var part;
  try{part=decodeURIComponent(parts[i]);}catch(e){part=parts[i];}
  if(part===tool){at=i;break;}
}
if(at<0)return;
var root=parts.slice(0,at+1).join('/')+'/';
document.getElementById('home').href=root+'index.html';
document.getElementById('findings').href=root+'ub';
if(parts[at+1]==='logs'&&parts.length===at+4){
  try{
    var crate=decodeURIComponent(parts[at+2]),version=decodeURIComponent(parts[at+3]);
    document.getElementById('what').textContent='There is no '+tool+' log of '+crate+' '+version+'.';
    var newest=document.getElementById('newest');
    newest.href=root+'index.html?crate='+encodeURIComponent(crate);
    newest.textContent='The newest log of '+crate;
    newest.parentNode.hidden=false;
  }catch(e){}
}
})();
</script>
)";

}  // namespace

std::string error_page(std::string_view tool) {
  const std::string name = escape_html(tool);
  const std::string root = "/" + url_segment(tool) + "/";
  std::string html = page_head("No such log", {});
  html += "<main><h1>No such log</h1>\n<p id=\"what\">Nothing is stored at this address.</p>\n";
  html += "<p hidden><a id=\"newest\" href=\"" + root + "index.html\">The newest log</a></p>\n";
  html += "<p class=\"links\"><a id=\"home\" href=\"" + root + "index.html\">Search the " + name +
          " results</a><a id=\"findings\" href=\"" + root + "ub\">undefined behaviour</a></p>";
  html += "</main>\n";
  std::string script(kScript);
  script.replace(script.find("TOOL"), 4, json_string(tool));
  html += script;
  html += kPageEnd;
  return html;
}

}  // namespace report
