// What sampling a cgroup's memory usage costs the agent: the meter samples
// the cgroup this process is in (or the folder given) at several intervals
// while the main thread sleeps, and prints the CPU time it used.
//
//   memory_meter_perftest [CGROUP_ROOT [SECONDS]]

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "agent/memory_meter.h"

namespace {

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string root = argc > 1 ? argv[1] : "/sys/fs/cgroup";
  const int seconds = argc > 2 ? std::stoi(argv[2]) : 10;
  std::printf("%-10s %9s %10s %16s %10s\n", "interval", "mean ms", "samples/s", "CPU % of 1 core",
              "us/sample");
  for (const int ms : {1, 2, 5, 10}) {
    agent::MemoryMeter meter({.cgroup_root = root,
                              .sample_interval = std::chrono::milliseconds(ms),
                              .reset_peak = false});
    const double before = cpu_seconds();
    const auto started = std::chrono::steady_clock::now();
    meter.start();
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    const agent::PeakMemory peak = meter.finish();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double cpu = cpu_seconds() - before;
    const auto samples = static_cast<double>(peak.samples);
    std::printf("%7d ms %9u %10.0f %16.3f %10.1f   (peak %s %llu MiB)\n", ms, peak.sample_ms,
                samples / wall, 100.0 * cpu / wall, 1e6 * cpu / samples,
                std::string(agent::peak_memory_source_name(peak.source)).c_str(),
                static_cast<unsigned long long>(peak.bytes >> 20));
    std::fflush(stdout);
  }
}
