#pragma once
// The pages of a tool's site, as HTML text. Each takes the newest version of
// every crate (newest_versions()) and links with relative URLs only, so the
// site works from a bucket website, from `serve`, and from a copy on disk.

#include <string>
#include <string_view>
#include <vector>

#include "report/crate_entry.h"

namespace report {

/// T/index.html: a search over every crate that lands on its newest log.
std::string index_page(std::string_view tool, const std::vector<const CrateEntry*>& newest,
                       bool has_archives);
/// T/ub: crates with findings, most downloaded first, each log beside the list.
std::string findings_page(std::string_view tool, const std::vector<const CrateEntry*>& newest);
/// T/summary.html: outcomes and kinds of UB as charts, the slowest and the
/// hungriest crates.
std::string summary_page(std::string_view tool, const std::vector<const CrateEntry*>& newest);
/// T/403: what a bucket website shows for a missing key, at that key's URL.
std::string error_page(std::string_view tool);

/// "logs/NAME/VERSION", encoded; safe in an attribute as it is.
std::string log_href(std::string_view crate, std::string_view version);

}  // namespace report
