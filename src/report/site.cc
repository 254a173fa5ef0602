#include "report/site.h"

#include <string>

#include "report/crate_lists.h"
#include "report/pages.h"

namespace report {

void put_if_changed(store::Store& store, const std::string& key, std::string_view bytes,
                    std::string_view content_type) {
  if (const std::optional<std::string> old = store.get(key); old && *old == bytes) return;
  store.put(key, bytes, content_type);
}

void write_site(store::Store& store, std::string_view tool,
                const std::vector<CrateEntry>& entries) {
  const std::string root = std::string(tool) + "/";
  const std::vector<const CrateEntry*> newest = newest_versions(entries);
  // The error page first and the index last: a reader who finds the new
  // index finds everything it links to.
  const CrateLists lists = make_lists(newest);
  put_if_changed(store, root + "403", error_page(tool), kHtmlContentType);
  write_list_slices(store, tool, lists);
  put_if_changed(store, root + "list.html", list_page(tool, lists), kHtmlContentType);
  put_if_changed(store, root + "summary.html", summary_page(tool, newest, lists), kHtmlContentType);
  put_if_changed(store, root + "ub", findings_page(tool, newest), kHtmlContentType);
  const bool has_archives = store.head(root + "raw.tar.xz") && store.head(root + "html.tar.xz");
  put_if_changed(store, root + "index.html", index_page(tool, newest, lists, has_archives),
                 kHtmlContentType);
}

}  // namespace report
