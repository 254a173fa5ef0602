// `crater-at-home compare A B`: how the crates two named runs both ran fared
// in B against A (compare/compare.h), written beside the runs in the store
// as compare/A..B/. Only records that changed since the last comparison are
// read again. With --retry N, each crate newly regressed or fixed runs N more
// times on each side, through `run` with the arguments after `--`.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <tuple>

#include "catalogue/snapshot.h"
#include "cli/commands.h"
#include "cli/run_names.h"
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
  unsigned retry = 0;
  /// Given to every `run` of a retry: --registry, --tools, --image, ...
  std::vector<std::string> run_args;
};

/// `crater-at-home run` as a child with our stdio; throws if it fails.
void run_child(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/proc/self/exe"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> pointers;
  pointers.reserve(argv.size() + 1);
  for (std::string& arg : argv) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  pid_t pid = 0;
  if (const int error = posix_spawn(&pid, pointers[0], nullptr, nullptr, pointers.data(), environ);
      error != 0) {
    throw std::system_error(error, std::generic_category(), "cannot start run");
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("a retry's run failed (status " + std::to_string(status) + ")");
  }
}

/// Runs the crates again as `run --name AGAIN --crate-list F --rerun`, with
/// the tool and toolchain the run's records name.
compare::RunAgain run_again(const CompareOptions& options) {
  return [&options](const compare::Run& run, const std::string& again, bool side_b,
                    const std::vector<std::pair<std::string, std::string>>& crates) {
    namespace fs = std::filesystem;
    const fs::path list =
        fs::temp_directory_path() / ("crater-at-home-retry-" + std::to_string(getpid()) + ".txt");
    {
      std::ofstream out(list);
      for (const auto& [crate, version] : crates) out << crate << "@" << version << "\n";
    }
    const std::string tool = run.identity.tool.empty() ? run.name : run.identity.tool;
    std::vector<std::string> args{
        "run",         "--tool",
        tool,          "--name",
        again,         "--crate-list",
        list.string(), "--rerun",
        "--store",     side_b && !options.store_b.empty() ? options.store_b : options.store};
    if (!run.toolchain.empty()) {
      args.emplace_back("--toolchain");
      args.push_back(run.toolchain);
    }
    args.insert(args.end(), options.run_args.begin(), options.run_args.end());
    std::fprintf(stderr, "crater-at-home: %zu crates again as %s\n", crates.size(), again.c_str());
    try {
      run_child(args);
    } catch (...) {
      fs::remove(list);
      throw;
    }
    fs::remove(list);
  };
}

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
  for (const auto& [name, holder] :
       {std::pair<const std::string&, store::Store&>{options.a, *store}, {options.b, store_b}}) {
    if (const std::string unknown = unknown_run(holder, name, Known::kResults); !unknown.empty()) {
      std::fprintf(stderr, "crater-at-home: error: %s\n", unknown.c_str());
      return kUnknownRunStatus;
    }
  }
  const compare::CompareStats stats = compare::compare_runs(*store, store_b,
                                                            {.a = options.a,
                                                             .b = options.b,
                                                             .force = options.force,
                                                             .retry = options.retry,
                                                             .run_again = run_again(options)},
                                                            downloads(*store));
  std::printf("%s..%s: %zu crates both ran (%zu compared, %zu unchanged since last time)\n",
              options.a.c_str(), options.b.c_str(), stats.common, stats.compared, stats.reused);
  if (stats.retried > 0) {
    std::printf("%zu regressed or fixed crates ran %u more times on each side\n", stats.retried,
                options.retry);
  }
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
  command->add_option("--retry", options->retry,
                      "Run each crate newly regressed or fixed N more times on each side (with "
                      "`run` and the arguments after --); one whose outcome changes is flaky");
  command->add_option("RUN_ARGS", options->run_args,
                      "After --: arguments for `run` when retrying (--registry, --tools, ...)");
  command->callback([options, &exit_status] { exit_status = compare_runs(*options); });
}

}  // namespace cli
