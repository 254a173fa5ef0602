#include "report/site.h"

#include <string>

#include "report/crate_lists.h"
#include "report/pages.h"

namespace report {

void write_site(store::Store& store, std::string_view tool,
                const std::vector<CrateEntry>& entries) {
  const std::string root = std::string(tool) + "/";
  const std::vector<const CrateEntry*> newest = newest_versions(entries);
  // The error page first and the index last: a reader who finds the new
  // index finds everything it links to.
  const CrateLists lists = make_lists(newest);
  store.put(root + "403", error_page(tool), kHtmlContentType);
  write_list_slices(store, tool, lists);
  store.put(root + "list.html", list_page(tool, lists), kHtmlContentType);
  store.put(root + "summary.html", summary_page(tool, newest, lists), kHtmlContentType);
  store.put(root + "ub", findings_page(tool, newest), kHtmlContentType);
  const bool has_archives = store.head(root + "raw.tar.xz") && store.head(root + "html.tar.xz");
  store.put(root + "index.html", index_page(tool, newest, lists, has_archives), kHtmlContentType);
}

}  // namespace report
