// Diagnosis throughput: a synthetic plain-text log, the same with cargo's
// colours and progress bars, and any log files named on the command line,
// each streamed through a Diagnoser in 1 MB chunks.
//
//   diagnosis_perftest [--check] [--mb N] [FILE...]
//
// Prints MB/s (10^6 bytes per second, best of 3) by CPU time, which a busy
// machine disturbs less than wall time, then by wall time; and the peak RSS.
// Goal: at least 200 MB/s (CPU) on plain text; --check exits 1 below it.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "diagnosis/diagnosis.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kGoalMbps = 200;

// Lines as cargo test prints them, with or without its colours.
std::string synthetic_log(size_t bytes, bool coloured) {
  std::string log;
  log.reserve(bytes + 256);
  for (size_t i = 0; log.size() < bytes; ++i) {
    const std::string n = std::to_string(i);
    if (coloured) {
      log += "\x1b[1m\x1b[92m   Compiling\x1b[0m dependency-" + n + " v1.2.3\r\n";
      log +=
          "\x1b[1m\x1b[96m    Building\x1b[0m [=====>      ] 40/97: dependency-" + n + "\r\x1b[K";
      log += "test module::submodule::case_" + n + " ... \x1b[32mok\x1b[0m\r\n";
    } else {
      log += "   Compiling dependency-" + n + " v1.2.3\r\n";
      log += "test module::submodule::case_" + n + " ... ok\r\n";
    }
    if (i % 100 == 0) {
      log += "warning: unused variable: `value_" + n + "` in a rather long line of rustc output " +
             "that goes on for a while, as diagnostics do, with a note about the error code\r\n";
    }
  }
  log.resize(bytes);
  return log;
}

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

struct Throughput {
  double cpu = 0;   // MB/s by CPU time
  double wall = 0;  // MB/s by wall time
};

// Best of three.
Throughput throughput(const std::string& log) {
  constexpr size_t kChunk = 1 << 20;
  const double megabytes = static_cast<double>(log.size()) / 1e6;
  Throughput best;
  for (int run = 0; run < 3; ++run) {
    const Clock::time_point start = Clock::now();
    const double cpu_start = cpu_seconds();
    diagnosis::Diagnoser diagnoser;
    for (size_t at = 0; at < log.size(); at += kChunk) {
      diagnoser.feed(std::string_view(log).substr(at, kChunk));
    }
    const diagnosis::Diagnosis d = diagnoser.finish({.crate = "bench", .version = "1.0.0"});
    const double cpu = cpu_seconds() - cpu_start;
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    best.cpu = std::max(best.cpu, megabytes / cpu);
    best.wall = std::max(best.wall, megabytes / wall);
    if (run == 0) {
      std::printf("  outcome %s, %zu causes\n",
                  std::string(diagnosis::outcome_name(d.outcome)).c_str(), d.causes.size());
    }
  }
  return best;
}

void print(const char* what, double megabytes, Throughput t) {
  std::printf("%s, %.0f MB: %.0f MB/s (CPU), %.0f MB/s (wall)\n", what, megabytes, t.cpu, t.wall);
}

}  // namespace

int main(int argc, char** argv) {
  bool check = false;
  size_t megabytes = 256;
  std::vector<const char*> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--check") {
      check = true;
    } else if (arg == "--mb" && i + 1 < argc) {
      megabytes = std::stoul(argv[++i]);
    } else {
      files.push_back(argv[i]);
    }
  }

  const auto mb = static_cast<double>(megabytes);
  const Throughput plain = throughput(synthetic_log(megabytes * 1000 * 1000, false));
  print("plain text", mb, plain);
  print("coloured, with progress bars", mb,
        throughput(synthetic_log(megabytes * 1000 * 1000, true)));
  for (const char* file : files) {
    const std::string log = read_file(file);
    print(file, static_cast<double>(log.size()) / 1e6, throughput(log));
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("peak RSS (inputs held in memory included): %ld MiB\n", usage.ru_maxrss / 1024);

  if (check && plain.cpu < kGoalMbps) {
    std::printf("FAIL: plain text under %.0f MB/s\n", kGoalMbps);
    return 1;
  }
  return 0;
}
