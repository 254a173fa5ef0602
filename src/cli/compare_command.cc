// `crater-at-home compare A B`: how the crates two named runs both ran fared
// in B against A (compare/compare.h), written beside the runs in the store
// as compare/A..B/. Only records that changed since the last comparison are
// read again.

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "catalogue/snapshot.h"
#include "cli/commands.h"
#include "compare/compare.h"
#include "store/store.h"

namespace cli {
namespace {

struct CompareOptions {
  std::string a;
  std::string b;
  std::string store = std::string(store::kDefaultStore);
  std::string store_b;
  bool force = false;
};

/// downloads.json of the store's catalogue snapshot, if it has one.
std::map<std::string, uint64_t, std::less<>> downloads(store::Store& store) {
  std::map<std::string, uint64_t, std::less<>> out;
  const std::optional<std::string> text = store.get(catalogue::kDownloadsKey);
  if (!text) return out;
  try {
    for (const auto& [name, count] : nlohmann::json::parse(*text).items()) {
      out[name] = count.get<uint64_t>();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crater-at-home: warning: downloads.json cannot be read (%s)\n", e.what());
  }
  return out;
}

int compare_runs(const CompareOptions& options) {
  auto store = store::open_store(options.store);
  std::unique_ptr<store::Store> other;
  if (!options.store_b.empty() && options.store_b != options.store) {
    other = store::open_store(options.store_b);
  }
  store::Store& store_b = other ? *other : *store;
  for (const auto& [run, in] : {std::pair{&options.a, store.get()}, {&options.b, &store_b}}) {
    if (in->list(result::results_prefix(*run)).empty()) {
      std::fprintf(stderr, "crater-at-home: error: no results of run '%s' in %s\n", run->c_str(),
                   in->url().c_str());
      return 1;
    }
  }
  const compare::CompareStats stats = compare::compare_runs(
      *store, store_b, {.a = options.a, .b = options.b, .force = options.force}, downloads(*store));
  std::printf("%s..%s: %zu crates both ran (%zu compared, %zu unchanged since last time)\n",
              options.a.c_str(), options.b.c_str(), stats.common, stats.compared, stats.reused);
  for (const compare::Category category : compare::kCategories) {
    const auto found = stats.counts.find(category);
    std::printf("  %-20s %zu\n", std::string(compare::category_name(category)).c_str(),
                found != stats.counts.end() ? found->second : 0);
  }
  std::printf("comparison at %s/%sindex.html\n", store->url().c_str(),
              compare::compare_prefix(options.a, options.b).c_str());
  return 0;
}

}  // namespace

void add_compare_command(CLI::App& app, int& exit_status) {
  auto* command = app.add_subcommand(
      "compare", "Compare two named runs crate by crate: what regressed, what was fixed, new UB");
  auto options = std::make_shared<CompareOptions>();
  command->add_option("A", options->a, "The run before (a name given to `run --name`, or a tool)")
      ->required();
  command->add_option("B", options->b, "The run after")->required();
  command
      ->add_option("--store", options->store,
                   "Store URL holding run A; the comparison is written there")
      ->capture_default_str();
  command->add_option("--store-b", options->store_b, "Store URL holding run B (default: --store)");
  command->add_flag("--force", options->force, "Compare every crate again");
  command->callback([options, &exit_status] { exit_status = compare_runs(*options); });
}

}  // namespace cli
