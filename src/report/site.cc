#include "report/site.h"

#include <string>

#include "report/pages.h"

namespace report {

void write_site(store::Store& store, std::string_view tool,
                const std::vector<CrateEntry>& entries) {
  const std::string root = std::string(tool) + "/";
  const std::vector<const CrateEntry*> newest = newest_versions(entries);
  // The error page first and the index last: a reader who finds the new
  // index finds everything it links to.
  store.put(root + "403", error_page(tool), kHtmlContentType);
  store.put(root + "summary.html", summary_page(tool, newest), kHtmlContentType);
  store.put(root + "ub", findings_page(tool, newest), kHtmlContentType);
  const bool has_archives = store.head(root + "raw.tar.xz") && store.head(root + "html.tar.xz");
  store.put(root + "index.html", index_page(tool, newest, has_archives), kHtmlContentType);
}

}  // namespace report
