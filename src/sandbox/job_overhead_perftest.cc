// How much a job costs beyond its own commands: in a long-lived worker
// (empty /build and the other writable places, put the crate in place,
// start the first command, send the result back) against a fresh
// `docker run` per crate (start a container, the same job, remove it).
//
//   job_overhead_perftest [JOBS]     (default 20; bench/sandbox/run runs it)
//
// The crate is tests/crates/cah-hello, as a directory and as a .crate
// archive; the job's one command is `true`, or a real build whose target/
// the clean-up must remove. Prints a Markdown table of the time per job as
// the server sees it (send to result) less the time its commands ran, and
// checks the goal: a median under 100 ms in a long-lived worker. Exit 1 if
// not. The fresh-container row includes starting and removing it.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sandbox/docker_sandbox.h"
#include "sandbox/worker_image.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kCrates = "/bench-crates";

struct Stats {
  double median = 0, mean = 0, p90 = 0, max = 0;
};

Stats stats_of(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  Stats s;
  s.median = ms[ms.size() / 2];
  for (const double v : ms) s.mean += v / static_cast<double>(ms.size());
  s.p90 = ms[std::min(ms.size() - 1, ms.size() * 9 / 10)];
  s.max = ms.back();
  return s;
}

agent::Job true_job(const agent::Source& source) {
  return agent::Job{
      .crate = "cah-hello",
      .version = "0.1.0",
      .source = source,
      .toolchain = "stable",
      .commands = {{.argv = {"true"}}},
      .timeouts = {.wall_seconds = 60, .no_output_seconds = 60},
  };
}

/// A real build, which leaves a target/ folder for the clean-up to remove.
agent::Job build_job(const agent::Source& source) {
  agent::Job job = true_job(source);
  job.commands = {{.argv = {"cargo", "+stable", "test", "--offline", "--no-run"}}};
  return job;
}

/// Runs the job, failing loudly if it does not give a result; the time from
/// sending it to its result, less the time its commands ran.
double timed_run(sandbox::Worker& worker, const agent::Job& job) {
  const Clock::time_point start = Clock::now();
  const sandbox::Worker::Ending outcome = worker.run(job, [](std::string_view) {});
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (!outcome.result) {
    std::fprintf(stderr, "job failed: %s%s\n", outcome.job_error.value_or("").c_str(),
                 outcome.death.value_or("").c_str());
    std::exit(2);
  }
  for (const auto& command : outcome.result->commands) {
    if (command.exit_code != 0) {
      std::fprintf(stderr, "%s failed\n", job.commands[0].argv[0].c_str());
      std::exit(2);
    }
    ms -= command.wall_seconds * 1000;
  }
  return ms;
}

void row(const char* what, const Stats& s) {
  std::printf("| %s | %.1f | %.1f | %.1f | %.1f |\n", what, s.median, s.mean, s.p90, s.max);
}

}  // namespace

int main(int argc, char** argv) {
  const int jobs = argc > 1 ? std::max(3, std::atoi(argv[1])) : 20;
  const fs::path work = fs::temp_directory_path() / ("cah-bench-" + std::to_string(getpid()));
  fs::create_directories(work);
  const fs::path crate = fs::path(CAH_SOURCE_DIR) / "tests/crates/cah-hello";
  fs::copy(crate, work / "cah-hello", fs::copy_options::recursive);
  const std::string tar = "tar -C " + work.string() + " -czf " + work.string() +
                          "/cah-hello-0.1.0.crate --transform s,^cah-hello,cah-hello-0.1.0, "
                          "cah-hello";
  if (std::system(tar.c_str()) != 0) return 2;

  sandbox::DockerOptions options{
      .agent = CAH_AGENT_BINARY,
      .mounts = {{work, kCrates}},
      .memory_bytes = uint64_t{2} << 30,
      .name_prefix = "cah-bench-" + std::to_string(getpid()),
  };
  if (const char* image = std::getenv("CAH_TEST_IMAGE")) options.image = image;
  if (sandbox::is_host_image(options.image)) options.run_args = sandbox::host_mount_args();
  const sandbox::DockerSandbox docker(options);
  docker.check();

  const agent::Source directory{agent::Source::Kind::kDirectory,
                                std::string(kCrates) + "/cah-hello"};
  const agent::Source archive{agent::Source::Kind::kArchive,
                              std::string(kCrates) + "/cah-hello-0.1.0.crate"};

  std::vector<double> long_dir, long_archive, long_build, fresh;
  {
    auto worker = docker.start(0);
    for (int i = 0; i < 3; ++i) timed_run(*worker, true_job(directory));  // warm up
    for (int i = 0; i < jobs; ++i) {
      long_dir.push_back(timed_run(*worker, true_job(directory)));
      long_archive.push_back(timed_run(*worker, true_job(archive)));
    }
    for (int i = 0; i < std::max(3, jobs / 4); ++i) {
      long_build.push_back(timed_run(*worker, build_job(directory)));
    }
  }
  for (int i = 0; i < jobs; ++i) {
    const Clock::time_point start = Clock::now();
    auto worker = docker.start(1);
    timed_run(*worker, true_job(directory));
    worker->stop();
    fresh.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  docker.remove_all();
  fs::remove_all(work);

  std::printf("image %s, %d jobs each, time per job beyond its commands, in ms\n\n",
              options.image.c_str(), jobs);
  std::printf("| | median | mean | p90 | max |\n|---|---:|---:|---:|---:|\n");
  const Stats dir = stats_of(long_dir);
  row("long-lived worker, crate as a directory", dir);
  row("long-lived worker, crate as a .crate archive", stats_of(long_archive));
  row("long-lived worker, `cargo test --no-run` (target/ to remove)", stats_of(long_build));
  row("fresh `docker run` + `docker rm` per crate", stats_of(fresh));
  const bool pass =
      dir.median < 100 && stats_of(long_archive).median < 100 && stats_of(long_build).median < 100;
  std::printf("\n%s: between-job overhead in a long-lived worker under 100 ms\n",
              pass ? "PASS" : "FAIL");
  return pass ? 0 : 1;
}
