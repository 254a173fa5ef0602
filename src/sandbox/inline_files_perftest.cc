// What it costs to send a crate with its files through the protocol (a
// worker on a remote engine) rather than bind-mounting our folders (the
// local engine), per crate: the bundle's bytes, the time to write it after
// preparation, and the time of a job whose one command is `true` (from
// send to result: the agent empties its places and puts the crate in
// place; inline, it also receives and unpacks every dependency) for both.
//
//   [REGISTRY=sparse+URL/index/ DL=URL] [NICE=N] inline_files_perftest NAME-VERSION...
//
// Each crate is prepared here with a bundle, against /usr/share/cargo/registry
// (no network; the bundle's packages are copied out of it first) or, with
// REGISTRY and DL, a sparse registry such as the crates.io lookalike
// (packages go through the package cache, as in a real run), then run once
// in each of two workers: one with the staging folder, the cache's
// packages and the registry mounted, one with no mount of ours.
// Prints a Markdown table and the medians; docs/benchmarks.md keeps them.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "prepare/preparation.h"
#include "sandbox/docker_sandbox.h"
#include "sandbox/worker_image.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kRegistry = "/usr/share/cargo/registry";

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

uint64_t tree_bytes(const fs::path& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && !entry.is_symlink()) bytes += entry.file_size();
  }
  return bytes;
}

agent::Job true_job(const std::string& crate, const std::string& version, agent::Source source,
                    std::string cargo_config) {
  return agent::Job{
      .crate = crate,
      .version = version,
      .source = std::move(source),
      .toolchain = "stable",
      .commands = {{.argv = {"true"}}},
      .timeouts = {.wall_seconds = 120, .no_output_seconds = 120},
      .cargo_config = std::move(cargo_config),
  };
}

/// Milliseconds from send to result; -1 if the job did not end in one.
double time_job(sandbox::Worker& worker, const agent::Job& job, const fs::path& attachment) {
  const auto started = Clock::now();
  const sandbox::Worker::Ending ending = worker.run(
      job, [](std::string_view) {}, -1, attachment);
  if (!ending.result) {
    std::fprintf(stderr, "%s: %s%s\n", job.crate.c_str(), ending.job_error.value_or("").c_str(),
                 ending.death.value_or("").c_str());
    return -1;
  }
  return std::chrono::duration<double, std::milli>(Clock::now() - started).count();
}

sandbox::DockerOptions options(const std::string& prefix, std::vector<sandbox::Mount> mounts) {
  sandbox::DockerOptions o{
      .agent = CAH_AGENT_BINARY,
      .mounts = std::move(mounts),
      .memory_bytes = uint64_t{2} << 30,
      .name_prefix = prefix + "-" + std::to_string(getpid()),
  };
  if (sandbox::is_host_image(o.image)) o.run_args = sandbox::host_mount_args();
  // NICE=0: the agent as fast as the machine lets it (the default, 19,
  // yields to everything else on a busy machine).
  if (const char* nice = std::getenv("NICE")) o.nice = std::atoi(nice);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path root =
      fs::temp_directory_path() / ("cah-inline-bench-" + std::to_string(getpid()));
  const fs::path staging = root / "staging";
  fs::create_directories(staging);
  fs::create_directories(root / "cache" / "packages");
  const char* registry = std::getenv("REGISTRY");
  const char* dl = std::getenv("DL");
  sandbox::DockerSandbox bind(options(
      "cah-bench-bind",
      {{staging, "/crates"}, {root / "cache" / "packages", "/deps"}, {kRegistry, "/registry"}}));
  sandbox::DockerSandbox remote(options("cah-bench-inline", {}));
  bind.check();
  remote.check();
  auto bind_worker = bind.start(0);
  auto remote_worker = remote.start(0);

  std::printf(
      "| crate | packages | source MB | bundle MB | make bundle ms | bind-mount job ms | "
      "inline job ms |\n|---|---:|---:|---:|---:|---:|---:|\n");
  std::vector<double> make_ms, bind_ms, inline_ms, bundle_mb, per_mb;
  for (int i = 1; i < argc; ++i) {
    const std::string folder = argv[i];
    const size_t dash = folder.rfind('-');
    const std::string crate = folder.substr(0, dash);
    const std::string version = folder.substr(dash + 1);
    prepare::PreparationRequest request{
        .crate = crate,
        .version = version,
        .registry = registry != nullptr ? registry : kRegistry,
        .dl = dl != nullptr ? dl : "",
        .cache = (root / "cache").string(),
        .staging = staging.string(),
        .sandbox_registry = "/registry",
        .bundle = true,
        .user_agent = "crater-at-home bench",
    };
    const prepare::PreparationResult prepared =
        prepare::prepare_crate(request, [](std::string_view) {});
    if (prepared.status != prepare::PreparationResult::Status::kReady) {
      std::fprintf(stderr, "%s: not ready: %s\n", folder.c_str(), prepared.error.c_str());
      continue;
    }
    const double source_mb = static_cast<double>(tree_bytes(staging / folder)) / 1e6;
    size_t packages = 0;
    {
      const std::string lock = (staging / folder / "Cargo.lock").string();
      FILE* f = std::fopen(lock.c_str(), "r");
      char line[512];
      while (f != nullptr && std::fgets(line, sizeof line, f) != nullptr) {
        if (std::string(line).rfind("[[package]]", 0) == 0) ++packages;
      }
      if (f != nullptr) std::fclose(f);
    }
    const double b =
        time_job(*bind_worker,
                 true_job(crate, version, {agent::Source::Kind::kDirectory, "/crates/" + folder},
                          prepared.cargo_config),
                 {});
    const double r = time_job(
        *remote_worker,
        true_job(crate, version, {agent::Source::Kind::kInline, ""}, prepared.inline_cargo_config),
        prepared.bundle);
    const double mb = static_cast<double>(prepared.bundle_bytes) / 1e6;
    std::printf("| %s | %zu | %.2f | %.2f | %.0f | %.0f | %.0f |\n", folder.c_str(), packages,
                source_mb, mb, prepared.bundle_seconds * 1000, b, r);
    std::fflush(stdout);
    make_ms.push_back(prepared.bundle_seconds * 1000);
    bind_ms.push_back(b);
    inline_ms.push_back(r);
    bundle_mb.push_back(mb);
    if (mb > 0) per_mb.push_back((r - b) / mb);
    fs::remove_all(staging / folder);
    fs::remove_all(staging / (folder + ".deps"));
    fs::remove(staging / (folder + ".tar"));
  }
  std::printf(
      "\nmedians over %zu crates: bundle %.2f MB, make %.0f ms, bind-mount job %.0f ms, "
      "inline job %.0f ms, inline extra %.0f ms per MB\n",
      bind_ms.size(), median(bundle_mb), median(make_ms), median(bind_ms), median(inline_ms),
      median(per_mb));
  bind.remove_all();
  remote.remove_all();
  fs::remove_all(root);
  return 0;
}
