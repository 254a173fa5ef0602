// cah-standin-agent: a stand-in for crater-at-home-agent, for the fleet
// simulation (bench/fleet/run, queue/simulated_sandbox.h). It speaks the
// agent's protocol on stdin and stdout, but runs nothing: for each job it
// replays a recorded log from a corpus, in output frames spread over the
// recorded run time divided by a speed-up, then sends a result with the
// recorded exit code. The same crate always gets the same log.
//
//   cah-standin-agent --corpus INDEX [--speedup F] [--waits FILE] [--chunk N]
//
// INDEX has one line per recorded run: "WALL_SECONDS EXIT_CODE PATH".
// --waits appends a line per job: "first T" for the first, when T is the
// time it was read; then "T WAIT": WAIT is the microseconds between sending
// the previous result (at T) and reading this job, how long the worker
// waited for the server. T is CLOCK_MONOTONIC in microseconds, the same
// clock in every stand-in, so waits during the start of the fleet (before
// every worker had its first job) can be told apart.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "agent/job.h"
#include "agent/protocol.h"

namespace {

struct Sample {
  double wall_seconds = 0;
  int exit_code = 0;
  std::string path;
};

struct Options {
  std::vector<Sample> corpus;
  double speedup = 1;
  int waits_fd = -1;
  size_t chunk = 4096;
};

int64_t now_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

void sleep_until(int64_t ns) {
  const timespec until{.tv_sec = static_cast<time_t>(ns / 1'000'000'000),
                       .tv_nsec = static_cast<long>(ns % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
  }
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::exit(0);  // the server is gone
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

/// FNV-1a: the same crate picks the same sample in every run.
uint64_t hash(std::string_view text) {
  uint64_t h = 14695981039346656037ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void run_job(const Options& options, const agent::Job& job) {
  const int64_t start = now_ns();
  const Sample& sample =
      options.corpus[hash(job.crate + " " + job.version) % options.corpus.size()];
  const std::string log = read_file(sample.path);
  const auto duration = static_cast<int64_t>(sample.wall_seconds / options.speedup * 1e9);
  // Chunks at line ends where one falls in the chunk's second half, as a
  // pty read ends where the program paused.
  std::vector<std::string_view> chunks;
  for (std::string_view rest = log; !rest.empty();) {
    size_t size = std::min(rest.size(), options.chunk);
    if (size < rest.size()) {
      const size_t newline = rest.substr(0, size).rfind('\n');
      if (newline != std::string_view::npos && newline >= size / 2) size = newline + 1;
    }
    chunks.push_back(rest.substr(0, size));
    rest.remove_prefix(size);
  }
  for (size_t i = 0; i < chunks.size(); ++i) {
    sleep_until(start +
                duration * static_cast<int64_t>(i + 1) / static_cast<int64_t>(chunks.size() + 1));
    write_all(STDOUT_FILENO, agent::encode(agent::FrameType::kOutput, chunks[i]));
  }
  sleep_until(start + duration);
  agent::JobResult result;
  for (size_t i = 0; i < job.commands.size(); ++i) {
    const bool last = i + 1 == job.commands.size();
    result.commands.push_back(
        {.exit_code = last ? sample.exit_code : 0, .wall_seconds = sample.wall_seconds});
  }
  result.wall_seconds = sample.wall_seconds;
  write_all(STDOUT_FILENO, agent::encode(agent::FrameType::kResult, agent::to_payload(result)));
}

[[noreturn]] void usage(const char* why) {
  std::cerr << "cah-standin-agent: " << why
            << "\nusage: cah-standin-agent --corpus INDEX [--speedup F] [--waits FILE] "
               "[--chunk N]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::string corpus;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) usage("missing value");
    const char* value = argv[++i];
    if (arg == "--corpus") {
      corpus = value;
    } else if (arg == "--speedup") {
      options.speedup = std::strtod(value, nullptr);
    } else if (arg == "--waits") {
      options.waits_fd = open(value, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
      if (options.waits_fd < 0) usage("cannot open the --waits file");
    } else if (arg == "--chunk") {
      options.chunk = std::strtoul(value, nullptr, 10);
    } else {
      usage("unknown option");
    }
  }
  std::ifstream index(corpus);
  for (Sample sample; index >> sample.wall_seconds >> sample.exit_code >> std::ws &&
                      std::getline(index, sample.path);) {
    options.corpus.push_back(sample);
  }
  if (options.corpus.empty()) usage("no --corpus, or an empty one");
  if (!(options.speedup > 0) || options.chunk == 0) usage("bad --speedup or --chunk");

  int64_t result_sent = -1;
  std::vector<agent::Job> jobs;
  agent::FrameReader reader(agent::Direction::kToAgent, [&jobs](const agent::Frame& frame) {
    jobs.push_back(agent::parse_job(frame.payload));
  });
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    reader.feed(std::string_view(buffer, static_cast<size_t>(n)));
    for (const agent::Job& job : jobs) {
      if (options.waits_fd >= 0) {
        const int64_t now = now_ns();
        const std::string line = result_sent < 0
                                     ? "first " + std::to_string(now / 1000) + "\n"
                                     : std::to_string(result_sent / 1000) + " " +
                                           std::to_string((now - result_sent) / 1000) + "\n";
        write_all(options.waits_fd, line);
      }
      run_job(options, job);
      result_sent = now_ns();
    }
    jobs.clear();
  }
}
