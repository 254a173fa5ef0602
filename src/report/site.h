#pragma once
// The site of a tool lives in the store beside its logs, so a bucket website
// (or `crater-at-home serve`) serves it as it is:
//   T/index.html    search over every crate, to its newest log; the count of
//                   each outcome; the facts of the run
//   T/list.html     the crates of one outcome or one kind of UB, a page at a
//                   time from T/lists/NAME/N.json (crate_lists.h)
//   T/ub            crates with findings, each log beside the list
//   T/summary.html  outcomes, kinds of UB, the slowest and hungriest crates
//   T/403           the bucket's error page for a missing log
// T/logs/NAME/VERSION are the pages of the logs themselves (render::Page).

#include <string_view>
#include <vector>

#include "report/crate_entry.h"
#include "store/store.h"

namespace report {

/// The content type of the site's pages, for stores that keep one (S3).
inline constexpr std::string_view kHtmlContentType = store::kHtmlType;

/// Puts `bytes` at `key` unless the store holds them there already: most
/// syncs change few pages and slices, and a write costs an fsync (file://)
/// or a PUT (s3://) where a read is cheap.
void put_if_changed(store::Store& store, const std::string& key, std::string_view bytes,
                    std::string_view content_type);

/// Writes the pages of `tool` for `entries`: every crate version that has a
/// result; the pages show the newest version of each crate. Throws
/// store::StoreError.
void write_site(store::Store& store, std::string_view tool, const std::vector<CrateEntry>& entries);

}  // namespace report
