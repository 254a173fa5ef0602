#include "report/crate_entry.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "catalogue/semver.h"

namespace report {

std::vector<const CrateEntry*> newest_versions(const std::vector<CrateEntry>& entries) {
  std::map<std::string_view, const CrateEntry*> newest;
  for (const CrateEntry& entry : entries) {
    auto [it, inserted] = newest.try_emplace(entry.crate, &entry);
    if (!inserted && catalogue::compare_versions(entry.version, it->second->version) > 0) {
      it->second = &entry;
    }
  }
  std::vector<const CrateEntry*> out;
  out.reserve(newest.size());
  for (const auto& [crate, entry] : newest) out.push_back(entry);
  return out;
}

}  // namespace report
