#pragma once
// The pages of a tool's site, as HTML text. Each takes the newest version of
// every crate (newest_versions()) and links with relative URLs only, so the
// site works from a bucket website, from `serve`, and from a copy on disk.

#include <string>
#include <string_view>
#include <vector>

#include "report/crate_entry.h"
#include "report/crate_lists.h"

namespace report {

/// T/index.html: a search over every crate that lands on its newest log,
/// the count of each outcome (each a link to its list) and the facts of
/// the run.
std::string index_page(std::string_view tool, const std::vector<const CrateEntry*>& newest,
                       const CrateLists& lists, bool has_archives);
/// T/list.html: one list at a time (?outcome=NAME, or ?outcome=ub&kind=KIND,
/// and &page=N), its rows loaded from the list's slices.
std::string list_page(std::string_view tool, const CrateLists& lists);
/// T/ub: crates with findings, most downloaded first, each log beside the list.
std::string findings_page(std::string_view tool, const std::vector<const CrateEntry*>& newest);
/// T/summary.html: outcomes and kinds of UB as charts whose bars link to
/// their lists, the slowest and the hungriest crates.
std::string summary_page(std::string_view tool, const std::vector<const CrateEntry*>& newest,
                         const CrateLists& lists);
/// T/403: what a bucket website shows for a missing key, at that key's URL.
std::string error_page(std::string_view tool);

/// "logs/NAME/VERSION", encoded; safe in an attribute as it is.
std::string log_href(std::string_view crate, std::string_view version);
/// "list.html?outcome=NAME" (and "&kind=KIND" when `kind` is not empty),
/// encoded; safe in an attribute as it is.
std::string list_href(std::string_view outcome, std::string_view kind = {});

}  // namespace report
