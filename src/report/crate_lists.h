#pragma once
// The lists a reader browses: every crate of one outcome, and every crate
// with one kind of undefined behaviour, most downloaded first. The rows of
// a list are JSON slices in the store (T/lists/NAME/N.json, kSliceRows
// rows each) that T/list.html loads one page at a time, so the page stays
// fast however many crates a run has.

#include <string>
#include <string_view>
#include <vector>

#include "report/crate_entry.h"
#include "store/store.h"

namespace report {

inline constexpr size_t kSliceRows = 1000;

struct CrateList {
  std::string outcome;  // "ub" for a list of one kind
  std::string kind;     // the kind of UB; "" for the list of an outcome
  /// Where its slices are, from the tool's folder: "lists/ub",
  /// "lists/kind-0123456789abcdef".
  std::string path;
  std::vector<const CrateEntry*> crates;  // most downloaded first, then by name
};

struct CrateLists {
  /// Every outcome of kOutcomes (empty ones too), then any other, by name.
  std::vector<CrateList> outcomes;
  /// Kinds of UB, the most crates first.
  std::vector<CrateList> kinds;

  size_t count(std::string_view outcome) const;
};

CrateLists make_lists(const std::vector<const CrateEntry*>& newest);

/// Writes the slices of every list and removes the slices no list has any
/// more. Throws store::StoreError.
void write_list_slices(store::Store& store, std::string_view tool, const CrateLists& lists);

/// One slice: a JSON array of rows [crate, version, downloads, wall_seconds,
/// peak_memory_bytes, [[kind, source_crate, possible_false_positive], ...],
/// reason].
std::string slice_json(const std::vector<const CrateEntry*>& crates, size_t first, size_t count);

}  // namespace report
