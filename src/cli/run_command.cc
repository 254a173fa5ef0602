// `crater-at-home run`: the main job. Takes the selected crates that have
// no fresh result in the store, runs the tool on each in a sandboxed
// worker, and stores every raw log, rendered page and result record.
// Every option can also come from crater-at-home.toml (section [run]), the
// command line winning.

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "catalogue/selection.h"
#include "catalogue/snapshot.h"
#include "cli/catalogue_options.h"
#include "cli/commands.h"
#include "cli/option_checks.h"
#include "cli/run_names.h"
#include "prepare/package_cache.h"
#include "prepare/preparer.h"
#include "prepare/registry_source.h"
#include "publish/publish.h"
#include "queue/plan.h"
#include "queue/progress.h"
#include "queue/run_identity.h"
#include "queue/scheduler.h"
#include "queue/tool_setup.h"
#include "registry/download.h"
#include "sandbox/docker_sandbox.h"
#include "sandbox/engine.h"
#include "sandbox/engine_delivery.h"
#include "sandbox/worker_image.h"
#include "store/store.h"
#include "tools/duration.h"
#include "tools/tool.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

// Where a local registry, each crate's staged source and the package cache
// appear in a worker: fixed paths, since the host's could lie under a place
// the agent empties (/tmp).
constexpr const char* kRegistryMount = "/registry";
constexpr const char* kInboxMount = "/crates";
constexpr const char* kDepsMount = "/deps";

struct RunOptions {
  CatalogueSource source;
  SelectionOptions selection;
  std::string tool;
  /// Where results are stored (N/raw, N/logs, N/results); the tool's name
  /// when empty.
  std::string name;
  std::string tools_file;
  size_t jobs = std::max(1U, std::thread::hardware_concurrency());
  double memory_limit_gb = 8;
  uint32_t pids_limit = 4096;
  bool rerun = false;
  double rerun_older_than_days = 30;
  std::string target;
  std::string toolchain;
  std::string timeout;
  std::string no_output_timeout;
  std::string log_level;
  std::string image = sandbox::kDefaultImage;
  std::string worker_prefix = "cah-worker";
  std::vector<std::string> ignore;
  std::string cache;
  double cache_gb = 50;
  std::string contact;
  size_t prepare_jobs = 0;
  std::string prepare_timeout = "15m";
  std::string lockfile = "fresh";
  /// --engine URL[=JOBS]; else the [[run.engine]] tables of the options file.
  std::vector<std::string> engines;
  std::vector<sandbox::EngineSpec> config_engines;
  bool stop_without_engines = false;
};

/// One engine of the run, ready for workers.
struct RunEngine {
  sandbox::EngineSpec spec;
  std::unique_ptr<sandbox::DockerSandbox> sandbox;
  size_t workers = 0;
};

/// The write end is written by the signal handler; the read end is polled.
std::array<int, 2> stop_pipe = {-1, -1};

extern "C" void request_stop(int /*sig*/) {
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = write(stop_pipe[1], &byte, 1);
}

void catch_stop_signals() {
  if (pipe2(stop_pipe.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::system_error(errno, std::generic_category(), "pipe");
  }
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGHUP, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

std::chrono::seconds duration_option(const std::string& text, const char* flag) {
  try {
    return tools::parse_duration(text);
  } catch (const std::exception& e) {
    throw CLI::ValidationError(flag, e.what());
  }
}

constexpr std::string_view kInboxPrefix = "crater-at-home-";

/// Staging folders that runs of earlier versions left in /tmp when they were
/// killed (their process is gone); staging is in the package cache now.
void remove_stale_inboxes() {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(), error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kInboxPrefix)) continue;
    const std::string pid_text = name.substr(kInboxPrefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (kill(pid, 0) != 0 && errno == ESRCH) fs::remove_all(entry.path(), error);
  }
}

spdlog::level::level_enum log_level(const RunOptions& options) {
  if (!options.log_level.empty()) return queue::parse_log_level(options.log_level);
  return queue::log_level_from_env().value_or(spdlog::level::info);
}

/// The `dl` of a sparse registry's config.json.
std::string registry_dl(const prepare::RegistrySource& source, prepare::PackageCache& cache) {
  const fs::path scratch = cache.make_scratch();
  const fs::path file = scratch / "config.json";
  std::string text;
  try {
    registry::download(source.index + "config.json", file);
    std::ifstream in(file);
    text.assign(std::istreambuf_iterator<char>(in), {});
  } catch (...) {
    fs::remove_all(scratch);
    throw;
  }
  fs::remove_all(scratch);
  return prepare::dl_of_config(text);
}

/// The catalogue of a sweep: a local registry's own, else a dump given
/// with --db-dump, else the store's snapshot while under a day old, else
/// crates.io's dump (stored again as the snapshot).
catalogue::Catalogue run_catalogue(const RunOptions& options, store::Store& store,
                                   const std::set<std::pair<std::string, std::string>>& pinned,
                                   std::vector<std::string>& notes) {
  const CatalogueSource& source = options.source;
  if (source.local_registry()) return source.load(pinned, notes);
  if (!source.db_dump.empty()) {
    catalogue::Catalogue catalogue = source.load_db_dump(source.db_dump, pinned, notes);
    catalogue::write_snapshot(store, catalogue);
    return catalogue;
  }
  const auto age = catalogue::snapshot_age(store);
  const bool fresh = age && *age < catalogue::kSnapshotMaxAge;
  if (pinned.empty() && (fresh || source.registry != "crates-io")) {
    if (auto snapshot = catalogue::read_snapshot(store)) {
      notes.push_back("catalogue: " + std::to_string(snapshot->size()) +
                      " crates from the snapshot in " + store.url());
      return std::move(*snapshot);
    }
  }
  if (source.registry != "crates-io") {
    throw std::runtime_error("no catalogue for " + source.registry +
                             ": give --db-dump FILE|URL (a crates.io-shaped dump of it)");
  }
  catalogue::Catalogue catalogue = source.load_db_dump(std::string(kCratesIoDbDump), pinned, notes);
  catalogue::write_snapshot(store, catalogue);
  return catalogue;
}

std::string describe_preparation(const queue::PreparationStats& stats) {
  if (stats.seconds.empty()) return {};
  std::vector<double> sorted = stats.seconds;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  const double p95 = sorted[std::min(sorted.size() - 1, sorted.size() * 95 / 100)];
  const double waiting =
      stats.worker_seconds > 0 ? 100 * stats.waiting_seconds / stats.worker_seconds : 0;
  return fmt::format(
      "Prepared {} crates: {:.2f} s median, {:.2f} s p95; {} packages downloaded, {:.1f} MB "
      "added to the cache; workers waited for preparation {:.1f}% of the time\n",
      sorted.size(), median, p95, stats.downloads, static_cast<double>(stats.bytes_added) / 1e6,
      waiting);
}

/// The server's own CPU time, and its children's (preparations, docker
/// clients): what a sweep costs the machine beside the builds.
std::string describe_cpu(size_t crates) {
  if (crates == 0) return {};
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  rusage self{};
  rusage children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  const double own = seconds(self.ru_utime) + seconds(self.ru_stime);
  const double theirs = seconds(children.ru_utime) + seconds(children.ru_stime);
  return fmt::format(
      "Server CPU {:.2f} s ({:.1f} ms per crate); preparations and docker clients {:.1f} s\n", own,
      1000 * own / static_cast<double>(crates), theirs);
}

void say(std::string_view line) {
  std::fprintf(stderr, "crater-at-home: %.*s\n", static_cast<int>(line.size()), line.data());
}

/// The engines to use: --engine, else the local one with --jobs workers.
std::vector<sandbox::EngineSpec> engine_specs(const RunOptions& options) {
  std::vector<sandbox::EngineSpec> specs;
  for (const std::string& text : options.engines) {
    try {
      specs.push_back(sandbox::parse_engine(text));
    } catch (const sandbox::EngineSpecError& e) {
      throw CLI::ValidationError("--engine", e.what());
    }
  }
  if (specs.empty()) specs = options.config_engines;
  if (specs.empty()) specs.push_back({.host = "local", .jobs = options.jobs});
  return specs;
}

/// Makes one engine ready: reachable, the image and (for a remote one) the
/// runtime volume delivered, the worker container starting, and what an
/// earlier run left removed. `index` keeps its containers' names apart from
/// the other engines'. Throws sandbox::SandboxError naming the engine.
RunEngine ready_engine(const RunOptions& options, const sandbox::DockerOptions& base,
                       const std::string& toolchain, const sandbox::EngineSpec& spec, size_t index,
                       bool several) {
  const std::string name = spec.name();
  const sandbox::EngineInfo info = sandbox::probe_engine(spec);
  if (!info.reachable) {
    throw sandbox::SandboxError(
        "engine " + name + " cannot be reached: " + info.error +
        (spec.local() ? "; start dockerd (scripts/start-docker), or point DOCKER_HOST at an "
                        "engine"
                      : " (check with `crater-at-home engines`)"));
  }
  // A remote engine has nothing of ours mounted: the image and the
  // runtime (agent, toolchain) are delivered, each crate's files travel
  // with its job.
  std::string runtime;
  if (!spec.local()) {
    sandbox::deliver_image(spec, options.image, say);
    runtime = sandbox::deliver_runtime(
                  spec, options.image,
                  {.agent = base.agent.empty() ? sandbox::default_agent_path() : base.agent,
                   .rustup_home = sandbox::default_rustup_home(),
                   .cargo_bin = sandbox::default_cargo_bin(),
                   .toolchains = {toolchain}},
                  say)
                  .name;
  }
  sandbox::DockerOptions docker = sandbox::options_for_engine(base, spec, info, runtime);
  // Engines may be one dockerd reached two ways: their containers must
  // not share names.
  if (index > 0) docker.name_prefix += "-e" + std::to_string(index);
  auto engine_sandbox = std::make_unique<sandbox::DockerSandbox>(docker);
  engine_sandbox->check();
  if (const size_t stale = engine_sandbox->remove_all(); stale > 0) {
    say("removed " + std::to_string(stale) + " containers left by an earlier run on " + name);
  }
  const size_t workers = spec.jobs.value_or(std::max(1U, info.cpus));
  if (several || !spec.local()) {
    say(fmt::format("engine {}: {} workers, Docker {}, {} CPUs, {:.1f} GiB", name, workers,
                    info.server_version, info.cpus,
                    static_cast<double>(info.memory_bytes) / (1ULL << 30)));
  }
  return {spec, std::move(engine_sandbox), workers};
}

/// Makes every engine ready (ready_engine). An engine that cannot be made
/// ready is left out of the run, saying why, as long as another one is
/// ready: a sweep of days should not wait for one machine that is down.
/// Throws the first engine's error when none is.
std::vector<RunEngine> ready_engines(const RunOptions& options, const sandbox::DockerOptions& base,
                                     const std::string& toolchain) {
  const std::vector<sandbox::EngineSpec> specs = engine_specs(options);
  for (const sandbox::EngineSpec& spec : specs) {
    if (!spec.local() && sandbox::is_host_image(options.image)) {
      throw sandbox::SandboxError("engine " + spec.name() +
                                  ": a `host` image borrows this machine's "
                                  "/usr and cannot run on another engine; use the bookworm "
                                  "image (`crater-at-home image build`)");
    }
  }
  std::vector<RunEngine> engines;
  std::vector<std::string> left_out;
  std::exception_ptr first_error;
  for (size_t i = 0; i < specs.size(); ++i) {
    try {
      engines.push_back(ready_engine(options, base, toolchain, specs[i], i, specs.size() > 1));
    } catch (const sandbox::SandboxError& e) {
      if (specs.size() == 1) throw;
      if (!first_error) first_error = std::current_exception();
      say(std::string("warning: ") + e.what());
      left_out.push_back(specs[i].name());
    }
  }
  if (engines.empty()) std::rethrow_exception(first_error);
  if (!left_out.empty()) {
    std::string names;
    for (const std::string& name : left_out) names += (names.empty() ? "" : ", ") + name;
    say(fmt::format(
        "warning: {} of {} engines left out of this run ({}): the run goes on with the "
        "others; once `crater-at-home engines` shows them usable, run again to add them "
        "(finished crates are kept)",
        left_out.size(), specs.size(), names));
  }
  return engines;
}

int run(const RunOptions& options) {
  const tools::ToolSet tools = tools::ToolSet::load(
      options.tools_file.empty() ? tools::default_tools_path() : fs::path(options.tools_file));
  const tools::Tool& tool = tools.get(options.tool);
  const std::string run_name = options.name.empty() ? options.tool : options.name;
  const prepare::RegistrySource source = prepare::parse_registry(options.source.registry);
  if (!options.contact.empty()) setenv("CAH_CONTACT", options.contact.c_str(), 1);

  queue::CrateJobSettings settings{
      .target = options.target.empty() ? queue::host_target() : options.target,
  };
  if (!options.toolchain.empty()) settings.toolchain = options.toolchain;
  if (!options.timeout.empty()) settings.timeout = duration_option(options.timeout, "--timeout");
  if (!options.no_output_timeout.empty()) {
    settings.no_output_timeout = duration_option(options.no_output_timeout, "--no-output-timeout");
  }
  const std::chrono::seconds prepare_timeout =
      duration_option(options.prepare_timeout, "--prepare-timeout");

  auto store = store::open_store(options.source.store_url());
  store->remove_stale_temporaries(run_name + "/");

  // Which crates: the selection, less what is fresh or ignored.
  std::vector<std::string> notes;
  const auto list = options.selection.read_list();
  const catalogue::Catalogue catalogue = run_catalogue(
      options, *store,
      list ? list->pinned_versions() : std::set<std::pair<std::string, std::string>>{}, notes);
  for (const auto& note : notes) std::fprintf(stderr, "crater-at-home: %s\n", note.c_str());
  const auto selected = catalogue::select(
      catalogue,
      options.selection.selection(list ? &*list : nullptr, options.selection.seed.value_or(0)));
  for (const auto& error : selected.errors) {
    std::fprintf(stderr, "crater-at-home: error: %s\n", error.c_str());
  }
  queue::PlanOptions plan_options{
      .tool = run_name,
      .rerun = options.rerun,
      .rerun_older_than =
          std::chrono::hours(static_cast<int64_t>(options.rerun_older_than_days * 24)),
  };
  plan_options.ignore.insert(options.ignore.begin(), options.ignore.end());
  const queue::Plan plan = queue::make_plan(selected.crates, *store, plan_options);
  const size_t engine_count = std::max(options.engines.size(), options.config_engines.size());
  const std::string on = engine_count == 0 ? fmt::format("{} workers", options.jobs)
                                           : fmt::format("{} engines", engine_count);
  std::fprintf(stderr,
               "crater-at-home: %s on %zu crates (%zu selected, %zu with a fresh result, %zu "
               "ignored), %s, from %s, results in %s\n",
               options.tool.c_str(), plan.to_run.size(), selected.crates.size(), plan.fresh,
               plan.ignored, on.c_str(), source.spec.c_str(), store->url().c_str());

  // The package cache, and each crate's staging folder inside it.
  remove_stale_inboxes();
  prepare::PackageCache cache(options.cache.empty() ? prepare::default_cache_dir()
                                                    : fs::path(options.cache));
  cache.remove_stale_temporaries();
  const auto max_cache_bytes = static_cast<uint64_t>(options.cache_gb * 1e9);
  if (const auto evicted = cache.evict(max_cache_bytes, {}, std::chrono::hours(1));
      evicted.packages > 0) {
    std::fprintf(stderr, "crater-at-home: evicted %zu packages (%.1f MB) from %s\n",
                 evicted.packages, static_cast<double>(evicted.bytes) / 1e6, cache.root().c_str());
  }
  const fs::path inbox = cache.make_scratch();

  // What the run runs with (one `rustc -vV`), stamped on every record; its
  // release also judges each crate's package.rust-version.
  const std::string toolchain = settings.toolchain.value_or(tool.toolchain);
  result::RunIdentity identity =
      plan.to_run.empty() ? result::RunIdentity{} : queue::describe_run(tool, toolchain);
  identity.registry = source.spec;

  // The engines, and a sandbox on each.
  std::vector<sandbox::Mount> mounts = {{inbox, kInboxMount}};
  if (source.remote()) {
    mounts.push_back({cache.packages(), kDepsMount});
  } else {
    mounts.push_back({source.path, kRegistryMount});
  }
  sandbox::DockerOptions docker_options{
      .image = options.image,
      .mounts = mounts,
      .memory_bytes = static_cast<uint64_t>(options.memory_limit_gb * (1ULL << 30)),
      .pids_limit = options.pids_limit,
      .name_prefix = options.worker_prefix,
  };
  if (sandbox::is_host_image(options.image)) docker_options.run_args = sandbox::host_mount_args();
  std::vector<RunEngine> engines;
  if (!plan.to_run.empty()) engines = ready_engines(options, docker_options, toolchain);
  const bool any_remote = std::any_of(engines.begin(), engines.end(),
                                      [](const RunEngine& engine) { return !engine.spec.local(); });
  size_t workers = 0;
  for (const RunEngine& engine : engines) workers += engine.workers;

  // Preparation, ahead of the workers.
  prepare::ProcessPreparer preparer({
      .executable = "/proc/self/exe",
      .base =
          {
              .registry = options.source.registry,
              .dl = source.remote() && !plan.to_run.empty() ? registry_dl(source, cache) : "",
              .toolchain = toolchain,
              .rustc_version = identity.toolchain_version,
              .cache = cache.root().string(),
              .staging = inbox.string(),
              .sandbox_staging = kInboxMount,
              .sandbox_deps = kDepsMount,
              .sandbox_registry = kRegistryMount,
              .keep_lockfile = options.lockfile == "shipped",
              .bundle = any_remote,
              .user_agent = registry::user_agent(),
          },
      .parallel = options.prepare_jobs > 0 ? options.prepare_jobs : std::max<size_t>(2, workers),
      .timeout = prepare_timeout,
  });

  catch_stop_signals();
  // The tool's setup (Miri's sysroot): made once per engine and kept in a
  // volume there, which every worker mounts read-only.
  if (!plan.to_run.empty() && !tool.setup.empty()) {
    for (RunEngine& engine : engines) {
      const std::optional<std::string> volume =
          queue::prepare_tool_setup(tool, *engine.sandbox,
                                    {.tool_name = options.tool,
                                     .settings = settings,
                                     .inbox_mount = kInboxMount,
                                     .stop_fd = stop_pipe[0],
                                     .say = say});
      if (!volume) {
        std::fprintf(stderr, "crater-at-home: stopped during the tool's setup; no crate was run\n");
        return 130;
      }
      sandbox::DockerOptions with_setup = engine.sandbox->options();
      with_setup.setup_volume = *volume;
      engine.sandbox = std::make_unique<sandbox::DockerSandbox>(with_setup);
    }
  }
  std::vector<queue::Engine> scheduled;
  scheduled.reserve(engines.size());
  for (const RunEngine& engine : engines) {
    scheduled.push_back({.name = engine.spec.name(),
                         .sandbox = engine.sandbox.get(),
                         .workers = engine.workers,
                         .remote = !engine.spec.local()});
  }
  queue::Progress progress({
      .out = stderr,
      .terminal = isatty(STDERR_FILENO) != 0,
      .workers = std::max<size_t>(workers, 1),
      .total = plan.to_run.size(),
  });
  progress.set_level(log_level(options));
  queue::Scheduler scheduler(
      {
          .tool_name = run_name,
          .tool = tool,
          .identity = identity,
          .job_settings = settings,
          .workers = workers,
          .inbox = inbox,
          .inbox_mount = kInboxMount,
          .stop_fd = stop_pipe[0],
          // The cache stays within --cache-gb during a run of days too.
          .upkeep =
              [&cache, max_cache_bytes](const std::set<std::string>& in_use) {
                cache.evict(max_cache_bytes, in_use, std::chrono::hours(1));
              },
          .stop_without_engines = options.stop_without_engines,
      },
      std::move(scheduled), preparer, *store, progress);
  const queue::SchedulerResult result = scheduler.run(plan.to_run);
  progress.finish();
  cache.evict(max_cache_bytes, {}, std::chrono::hours(1));
  if (!result.interrupted && !plan.to_run.empty()) {
    // The site follows the results: pages, diagnoses, results.json.
    std::map<std::string, uint64_t, std::less<>> downloads;
    for (const catalogue::Crate& crate : catalogue.crates())
      downloads[crate.name] = crate.downloads;
    const publish::SyncStats synced = publish::sync_tool(*store, {.tool = run_name}, downloads);
    print_skipped(synced.skipped);
    const std::string skipped =
        synced.skipped.empty()
            ? std::string()
            : fmt::format("; {} objects skipped, see warnings", synced.skipped.size());
    std::fprintf(stderr, "crater-at-home: site updated (%zu results, %zu diagnosed%s)\n",
                 synced.results, synced.diagnosed, skipped.c_str());
  }
  std::fprintf(stdout, "%s", progress.summary().c_str());
  std::fprintf(stdout, "%s", describe_preparation(result.preparation).c_str());
  std::fprintf(stdout, "%s", describe_cpu(plan.to_run.size()).c_str());
  std::fprintf(stdout, "results: %s/%s/ (raw/, logs/, results/)\n", store->url().c_str(),
               run_name.c_str());
  if (result.interrupted) {
    std::fprintf(stderr,
                 "crater-at-home: stopped; crates in flight left nothing behind and run again "
                 "next time\n");
    return 130;
  }
  return selected.errors.empty() ? 0 : 1;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_status) {
  auto* command = app.add_subcommand(
      "run", "Run a tool over the selected crates, each in a sandbox, into the store");
  auto options = std::make_shared<RunOptions>();
  command->add_option("--tool", options->tool, "The tool, from tools.toml (miri, asan, check, ...)")
      ->required();
  command->add_option("--name", options->name,
                      "Store the results under NAME/ instead of the tool's name (to compare runs)");
  command->add_option("--tools", options->tools_file,
                      "The tools file (default: ./tools.toml, else the installed one)");
  options->source.add_options(*command);
  options->selection.add_options(*command);
  command->add_option("--jobs,-j", options->jobs, "Workers, each on one CPU")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_option("--memory-limit-gb", options->memory_limit_gb, "Memory per worker, no swap")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_option("--pids-limit", options->pids_limit, "Processes per worker")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_flag("--rerun", options->rerun, "Run crates that already have a fresh result");
  command
      ->add_option("--rerun-older-than", options->rerun_older_than_days,
                   "Days after which a result is stale and its crate runs again")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command->add_option("--target", options->target, "Target triple (default: the host's)");
  command->add_option("--toolchain", options->toolchain, "Override the tool's toolchain");
  command->add_option("--timeout", options->timeout,
                      "Wall clock per command, e.g. 90s, 15m, 1h (default: the tool's)");
  command->add_option("--no-output-timeout", options->no_output_timeout,
                      "Kill a command silent this long (default: the tool's)");
  command->add_option("--image", options->image, "The worker image")->capture_default_str();
  command
      ->add_option("--worker-prefix", options->worker_prefix,
                   "Containers are named PREFIX-N: give runs sharing an engine their own")
      ->capture_default_str();
  command->add_option("--ignore", options->ignore, "A crate never to run (repeatable)");
  command->add_option("--log-level", options->log_level,
                      "trace, debug, info, warn or error (default: $CAH_LOG, else info)");
  command->add_option("--cache", options->cache,
                      "Where downloaded packages are kept (default: "
                      "$XDG_CACHE_HOME/crater-at-home, else ~/.cache/crater-at-home)");
  command->add_option("--cache-gb", options->cache_gb, "Bound of the package cache, in GB")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_option("--contact", options->contact,
                      "An email or URL for the User-Agent of our requests to the registry "
                      "(default: $CAH_CONTACT); crates.io asks crawlers to say whom to contact");
  command
      ->add_option("--prepare-jobs", options->prepare_jobs,
                   "Crates prepared at once (default: --jobs, at least 2)")
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--prepare-timeout", options->prepare_timeout,
                   "Longest preparation of one crate")
      ->capture_default_str();
  command
      ->add_option("--lockfile", options->lockfile,
                   "fresh: resolve every crate's dependencies anew (as `cargo update`); "
                   "shipped: keep the crate's own Cargo.lock where it has one")
      ->capture_default_str()
      ->check(CLI::IsMember({"fresh", "shipped"}));
  command->add_option("--engine", options->engines,
                      "A Docker engine to run workers on, URL[=JOBS] (repeatable): unix://, "
                      "tcp://, ssh://[USER@]HOST, a docker context's name, or `local`; JOBS "
                      "defaults to its CPUs (default: the local engine with --jobs workers)");
  command->add_flag("--stop-without-engines", options->stop_without_engines,
                    "End the run when every engine is lost (default: wait for one to answer)");
  command->callback([options, &app, &exit_status] {
    if (options->engines.empty())
      options->config_engines = config_engines(config_in_use(app), "run");
    exit_status = run(*options);
  });
}

}  // namespace cli
