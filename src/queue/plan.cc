#include "queue/plan.h"

#include <map>

#include "result/record.h"

namespace queue {

Plan make_plan(const std::vector<catalogue::Crate>& selected, store::Store& store,
               const PlanOptions& options) {
  std::map<std::string, std::chrono::system_clock::time_point, std::less<>> results;
  if (!options.rerun) {
    for (const store::ObjectInfo& info : store.list(result::results_prefix(options.tool))) {
      results.emplace(info.key, info.last_modified);
    }
  }
  Plan plan;
  for (const catalogue::Crate& crate : selected) {
    if (options.ignore.contains(crate.name)) {
      ++plan.ignored;
      continue;
    }
    const auto found = results.find(result::result_key(options.tool, crate.name, crate.version));
    if (found != results.end() && options.now - found->second < options.rerun_older_than) {
      ++plan.fresh;
      continue;
    }
    plan.to_run.push_back(crate);
  }
  return plan;
}

}  // namespace queue
