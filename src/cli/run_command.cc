// `crater-at-home run`: the main job. Takes the selected crates that have
// no fresh result in the store, runs the tool on each in a sandboxed
// worker, and stores every raw log, rendered page and result record.
// Every option can also come from crater-at-home.toml (section [run]), the
// command line winning.

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "catalogue/selection.h"
#include "cli/catalogue_options.h"
#include "cli/commands.h"
#include "publish/publish.h"
#include "queue/plan.h"
#include "queue/progress.h"
#include "queue/scheduler.h"
#include "queue/tool_setup.h"
#include "registry/registry.h"
#include "sandbox/docker_sandbox.h"
#include "sandbox/worker_image.h"
#include "store/store.h"
#include "tools/duration.h"
#include "tools/tool.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

// Where the registry and each crate's staged source appear in a worker:
// fixed paths, since the host's could lie under a place the agent empties
// (/tmp).
constexpr const char* kRegistryMount = "/registry";
constexpr const char* kInboxMount = "/crates";

struct RunOptions {
  CatalogueSource source;
  SelectionOptions selection;
  std::string tool;
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

/// Staging folders of runs that were killed (their process is gone).
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

int run(const RunOptions& options) {
  const tools::ToolSet tools = tools::ToolSet::load(
      options.tools_file.empty() ? tools::default_tools_path() : fs::path(options.tools_file));
  const tools::Tool& tool = tools.get(options.tool);
  if (!options.source.local_registry()) {
    throw std::runtime_error(
        "run needs a local registry for now (--registry PATH, e.g. "
        "/usr/share/cargo/registry): fetching crates.io dependencies outside the sandbox is "
        "not built yet");
  }
  const fs::path registry_root = fs::absolute(options.source.registry);

  queue::CrateJobSettings settings{
      .target = options.target.empty() ? queue::host_target() : options.target,
      .cargo_config = fs::is_directory(registry_root / "index")
                          ? queue::local_registry_config(kRegistryMount)
                          : queue::directory_registry_config(kRegistryMount),
  };
  if (!options.toolchain.empty()) settings.toolchain = options.toolchain;
  if (!options.timeout.empty()) settings.timeout = duration_option(options.timeout, "--timeout");
  if (!options.no_output_timeout.empty()) {
    settings.no_output_timeout = duration_option(options.no_output_timeout, "--no-output-timeout");
  }

  auto store = store::open_store(options.source.store_url());
  store->remove_stale_temporaries(options.tool + "/");

  // Which crates: the selection, less what is fresh or ignored.
  std::vector<std::string> notes;
  const auto list = options.selection.read_list();
  const catalogue::Catalogue catalogue = options.source.load(
      list ? list->pinned_versions() : std::set<std::pair<std::string, std::string>>{}, notes);
  for (const auto& note : notes) std::fprintf(stderr, "crater-at-home: %s\n", note.c_str());
  const auto selected = catalogue::select(
      catalogue,
      options.selection.selection(list ? &*list : nullptr, options.selection.seed.value_or(0)));
  for (const auto& error : selected.errors) {
    std::fprintf(stderr, "crater-at-home: error: %s\n", error.c_str());
  }
  queue::PlanOptions plan_options{
      .tool = options.tool,
      .rerun = options.rerun,
      .rerun_older_than =
          std::chrono::hours(static_cast<int64_t>(options.rerun_older_than_days * 24)),
  };
  plan_options.ignore.insert(options.ignore.begin(), options.ignore.end());
  const queue::Plan plan = queue::make_plan(selected.crates, *store, plan_options);
  std::fprintf(stderr,
               "crater-at-home: %s on %zu crates (%zu selected, %zu with a fresh result, %zu "
               "ignored), %zu workers, results in %s\n",
               options.tool.c_str(), plan.to_run.size(), selected.crates.size(), plan.fresh,
               plan.ignored, options.jobs, store->url().c_str());

  // The sandbox.
  remove_stale_inboxes();
  const fs::path inbox =
      fs::temp_directory_path() / (std::string(kInboxPrefix) + std::to_string(getpid()));
  sandbox::DockerOptions docker_options{
      .image = options.image,
      .mounts = {{registry_root, kRegistryMount}, {inbox, kInboxMount}},
      .memory_bytes = static_cast<uint64_t>(options.memory_limit_gb * (1ULL << 30)),
      .pids_limit = options.pids_limit,
      .name_prefix = options.worker_prefix,
  };
  if (sandbox::is_host_image(options.image)) docker_options.run_args = sandbox::host_mount_args();
  sandbox::DockerSandbox docker(docker_options);
  if (!plan.to_run.empty()) {
    fs::create_directories(inbox);
    docker.check();
    // Containers a killed run left behind under our prefix.
    if (const size_t stale = docker.remove_all(); stale > 0) {
      std::fprintf(stderr, "crater-at-home: removed %zu containers left by an earlier run\n",
                   stale);
    }
  }

  catch_stop_signals();
  // The tool's setup (Miri's sysroot): made once and kept in a volume, which
  // every worker mounts read-only.
  if (!plan.to_run.empty() && !tool.setup.empty()) {
    const std::optional<std::string> volume =
        queue::prepare_tool_setup(tool, docker,
                                  {.tool_name = options.tool,
                                   .settings = settings,
                                   .inbox_mount = kInboxMount,
                                   .stop_fd = stop_pipe[0],
                                   .say = [](std::string_view line) {
                                     std::fprintf(stderr, "crater-at-home: %.*s\n",
                                                  static_cast<int>(line.size()), line.data());
                                   }});
    if (!volume) {
      std::fprintf(stderr, "crater-at-home: stopped during the tool's setup; no crate was run\n");
      return 130;
    }
    docker_options.setup_volume = *volume;
    docker = sandbox::DockerSandbox(docker_options);
  }
  queue::Progress progress({
      .out = stderr,
      .terminal = isatty(STDERR_FILENO) != 0,
      .workers = options.jobs,
      .total = plan.to_run.size(),
  });
  progress.set_level(log_level(options));
  auto registry = registry::open_registry(options.source.registry);
  queue::Scheduler scheduler(
      {
          .tool_name = options.tool,
          .tool = tool,
          .job_settings = settings,
          .workers = options.jobs,
          .inbox = inbox,
          .inbox_mount = kInboxMount,
          .stop_fd = stop_pipe[0],
      },
      docker, *registry, *store, progress);
  const queue::SchedulerResult result = scheduler.run(plan.to_run);
  progress.finish();
  if (!result.interrupted && !plan.to_run.empty()) {
    // The site follows the results: pages, diagnoses, results.json.
    std::map<std::string, uint64_t, std::less<>> downloads;
    for (const catalogue::Crate& crate : catalogue.crates())
      downloads[crate.name] = crate.downloads;
    const publish::SyncStats synced = publish::sync_tool(*store, {.tool = options.tool}, downloads);
    std::fprintf(stderr, "crater-at-home: site updated (%zu results, %zu diagnosed)\n",
                 synced.results, synced.diagnosed);
  }
  std::fprintf(stdout, "%s", progress.summary().c_str());
  std::fprintf(stdout, "results: %s/%s/ (raw/, logs/, results/)\n", store->url().c_str(),
               options.tool.c_str());
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
  command->callback([options, &exit_status] { exit_status = run(*options); });
}

}  // namespace cli
