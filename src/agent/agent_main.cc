// crater-at-home-agent: the first process in each sandbox. Reads Job frames
// on stdin, runs each with a Runner, and answers on stdout with the job's
// output as kOutput frames, then exactly one kResult (or kError if the job
// could not start). Exits 0 at the end of its input.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>

#include "agent/job.h"
#include "agent/protocol.h"
#include "agent/runner.h"
#include "pty/fd.h"

namespace {

/// stdout is unbuffered: a frame is on its way as soon as it is made.
void write_all(std::string_view bytes) {
  if (const int error = pty::write_all(STDOUT_FILENO, bytes); error != 0) {
    throw std::system_error(error, std::generic_category(), "write to stdout");
  }
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

void answer(agent::Runner& runner, const std::string& payload) {
  agent::Job job;
  try {
    job = agent::parse_job(payload);
  } catch (const std::exception& e) {
    write_all(agent::encode(agent::FrameType::kError, std::string("bad job: ") + e.what()));
    return;
  }
  try {
    const agent::JobResult result =
        runner.run(job, [](std::string_view bytes) { write_all(agent::encode_output(bytes)); });
    write_all(agent::encode(agent::FrameType::kResult, agent::to_payload(result)));
  } catch (const agent::JobError& e) {
    write_all(agent::encode(agent::FrameType::kError, e.what()));
  }
}

int run(int argc, char** argv) {
  const std::string home = env_or("HOME", "/root");
  const std::string cargo_home = env_or("CARGO_HOME", home + "/.cargo");
  agent::RunnerOptions options{
      .build_dir = "/build",
      .writable_dirs = {"/tmp", cargo_home + "/registry", home + "/.cache"},
      .cgroup_root = "/sys/fs/cgroup",
  };
  std::vector<std::string> writable_dirs;
  for (const auto& dir : options.writable_dirs) writable_dirs.push_back(dir.string());
  std::string build_dir = options.build_dir.string();
  std::string cgroup_root = options.cgroup_root.string();

  CLI::App app{
      "Runs crater-at-home jobs inside a sandbox: framed jobs on stdin, framed output "
      "and results on stdout."};
  app.add_option("--build-dir", build_dir, "Where each crate is put and built")
      ->capture_default_str();
  app.add_option("--writable-dir", writable_dirs,
                 "A folder emptied before and after every job (repeatable; replaces the "
                 "defaults)")
      ->capture_default_str();
  app.add_option("--cgroup-root", cgroup_root, "Where cgroupfs is mounted")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.build_dir = build_dir;
  options.writable_dirs.assign(writable_dirs.begin(), writable_dirs.end());
  options.cgroup_root = cgroup_root;
  options.on_warning = [](std::string_view message) {
    std::cerr << "crater-at-home-agent: " << message << '\n';
  };

  // A server that goes away makes write() fail with EPIPE, which ends us
  // cleanly; commands get SIGPIPE back (CommandProcess resets signals).
  std::signal(SIGPIPE, SIG_IGN);
  {
    agent::Runner runner(std::move(options));
    std::deque<std::string> jobs;
    agent::FrameReader reader(agent::Direction::kToAgent, [&](agent::Frame frame) {
      jobs.push_back(std::move(frame.payload));
    });
    std::array<char, size_t{64} * 1024> buffer;
    for (;;) {
      const ssize_t n = read(STDIN_FILENO, buffer.data(), buffer.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::system_error(errno, std::generic_category(), "read from stdin");
      }
      if (n == 0) break;
      reader.feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
      while (!jobs.empty()) {
        answer(runner, jobs.front());
        jobs.pop_front();
      }
    }
    reader.finish();
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "crater-at-home-agent: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "crater-at-home-agent: unknown error\n";
  }
  return 1;
}
