// crater-at-home-agent: the program in each sandbox, under tini. Reads Job
// frames on stdin, runs each with a Runner, and answers on stdout with the
// job's output as kOutput frames, then exactly one kResult (or kError if
// the job could not start). Exits 0 at the end of its input. SIGTERM,
// SIGINT or SIGHUP end the running job at once, with no answer for it, and
// the agent with 128+signal. Linked statically: it runs in any image.

#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "agent/job.h"
#include "agent/protocol.h"
#include "agent/runner.h"
#include "agent/stop_signals.h"
#include "util/fd.h"

namespace {

void warn(std::string_view message) { std::cerr << "crater-at-home-agent: " << message << '\n'; }

/// stdout is unbuffered: a frame is on its way as soon as it is made.
void write_all(std::string_view bytes) {
  if (const int error = util::write_all(STDOUT_FILENO, bytes); error != 0) {
    throw std::system_error(error, std::generic_category(), "write to stdout");
  }
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

/// Builds get the CPU only when nothing else wants it; the commands inherit
/// the niceness. Not being allowed to is no reason not to run.
void lower_priority(int nice) {
  if (nice != 0 && setpriority(PRIO_PROCESS, 0, nice) < 0) {
    warn(std::string("cannot set niceness ") + std::to_string(nice) + ": " + std::strerror(errno));
  }
}

/// A cargo home with a bin/ folder is someone's own, holding their cargo
/// and rustup; a sandbox mounts those elsewhere and gives the agent an empty
/// one. Run outside a sandbox by mistake, the agent would empty it.
void refuse_a_real_cargo_home(const std::filesystem::path& cargo_home) {
  std::error_code error;
  if (std::filesystem::exists(cargo_home / "bin", error)) {
    throw std::runtime_error("will not empty " + cargo_home.string() +
                             " between jobs: it holds bin/, so it is a real cargo home; "
                             "pass --cargo-home with a folder of the sandbox");
  }
}

/// The frames on stdin, in order, read as they are wanted: between jobs by
/// the serve loop, during an inline job by the runner pulling its files.
class Inbox {
 public:
  explicit Inbox(const agent::StopSignals& stop)
      : stop_(stop), reader_(agent::Direction::kToAgent, [this](agent::Frame frame) {
          frames_.push_back(std::move(frame));
        }) {}

  /// The next frame; nullopt at the end of stdin or once a stop signal
  /// came. Throws agent::ProtocolError for a corrupt stream.
  std::optional<agent::Frame> next() {
    while (frames_.empty()) {
      if (at_end_ || !stop_.wait_readable(STDIN_FILENO)) return std::nullopt;
      const ssize_t n = read(STDIN_FILENO, buffer_.data(), buffer_.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::system_error(errno, std::generic_category(), "read from stdin");
      }
      if (n == 0) {
        at_end_ = true;
        reader_.finish();
        return std::nullopt;
      }
      reader_.feed(std::string_view(buffer_.data(), static_cast<size_t>(n)));
    }
    agent::Frame frame = std::move(frames_.front());
    frames_.pop_front();
    return frame;
  }

  /// Puts a frame back, to be next again.
  void unread(agent::Frame frame) { frames_.push_front(std::move(frame)); }

  /// Reads an inline job's files: each call, the next kFiles payload; empty
  /// at the stream's end. The chunk stays valid until the next call.
  agent::FilesReader files_reader() {
    return [this]() -> std::string_view {
      if (files_done_) return {};
      std::optional<agent::Frame> frame = next();
      if (!frame) {
        if (stop_.received() != 0) throw agent::Stopped("the job was stopped");
        throw std::runtime_error("the input ended inside the job's files");
      }
      if (frame->type != agent::FrameType::kFiles) {
        unread(std::move(*frame));
        throw std::runtime_error("a job frame came inside the files of an inline job");
      }
      files_done_ = frame->payload.empty();
      chunk_ = std::move(frame->payload);
      return chunk_;
    };
  }
  /// For the next inline job.
  void start_files() { files_done_ = false; }

 private:
  const agent::StopSignals& stop_;
  agent::FrameReader reader_;
  std::deque<agent::Frame> frames_;
  std::array<char, size_t{64} * 1024> buffer_{};
  std::string chunk_;
  bool files_done_ = false;
  bool at_end_ = false;
};

/// Throws agent::Stopped (after the runner cleaned up) if asked to stop.
void answer(agent::Runner& runner, Inbox& inbox, const std::string& payload) {
  agent::Job job;
  try {
    job = agent::parse_job(payload);
  } catch (const std::exception& e) {
    // Any files that follow are skipped by the serve loop.
    write_all(agent::encode(agent::FrameType::kError, std::string("bad job: ") + e.what()));
    return;
  }
  agent::FilesReader files;
  if (job.source.kind == agent::Source::Kind::kInline) {
    inbox.start_files();
    files = inbox.files_reader();
  }
  try {
    const agent::JobResult result = runner.run(
        job, [](std::string_view bytes) { write_all(agent::encode_output(bytes)); }, files);
    write_all(agent::encode(agent::FrameType::kResult, agent::to_payload(result)));
  } catch (const agent::JobError& e) {
    write_all(agent::encode(agent::FrameType::kError, e.what()));
  }
}

/// Answers every job on stdin until its end (returns 0) or a stop signal
/// (returns 128+signal).
int serve(agent::RunnerOptions options) {
  const agent::StopSignals stop;
  options.should_stop = [&stop] { return stop.received() != 0; };
  agent::Runner runner(std::move(options));
  Inbox inbox(stop);
  try {
    while (std::optional<agent::Frame> frame = inbox.next()) {
      // Files no job read: the rest of a job that was refused or failed.
      if (frame->type == agent::FrameType::kFiles) continue;
      answer(runner, inbox, frame->payload);
      if (stop.received() != 0) break;
    }
    if (stop.received() == 0) return 0;
  } catch (const agent::Stopped&) {
    // The runner has killed the job and cleaned up.
  }
  return 128 + stop.received();
}

int run(int argc, char** argv) {
  const std::string home = env_or("HOME", "/root");
  agent::RunnerOptions options{
      .build_dir = "/build",
      .writable_dirs = {"/tmp", home + "/.cache"},
      .cargo_home = env_or("CARGO_HOME", home + "/.cargo"),
      .cgroup_root = "/sys/fs/cgroup",
  };
  std::vector<std::string> writable_dirs;
  for (const auto& dir : options.writable_dirs) writable_dirs.push_back(dir.string());
  std::string build_dir = options.build_dir.string();
  std::string cargo_home = options.cargo_home.string();
  std::string cgroup_root = options.cgroup_root.string();
  int nice = 19;

  CLI::App app{
      "Runs crater-at-home jobs inside a sandbox: framed jobs on stdin, framed output "
      "and results on stdout. Empties the build dir, the writable dirs and the cargo "
      "home before and after every job: run it only inside a sandbox."};
  app.add_option("--build-dir", build_dir, "Where each crate is put and built")
      ->capture_default_str();
  app.add_option("--writable-dir", writable_dirs,
                 "A folder emptied before and after every job (repeatable; replaces the "
                 "defaults)")
      ->capture_default_str();
  app.add_option("--cargo-home", cargo_home,
                 "The jobs' CARGO_HOME (default: $CARGO_HOME, else ~/.cargo): emptied like the "
                 "writable dirs, and given each job's cargo config; one with a bin/ folder is "
                 "refused")
      ->capture_default_str();
  app.add_option("--cgroup-root", cgroup_root, "Where cgroupfs is mounted")->capture_default_str();
  app.add_option("--nice", nice, "Niceness of the agent and every command (0: leave it)")
      ->capture_default_str()
      ->check(CLI::Range(0, 19));
  app.add_flag("--echo-commands", options.echo_commands,
               "Write each shown command's line into the output before it runs");
  CLI11_PARSE(app, argc, argv);
  options.build_dir = build_dir;
  options.writable_dirs.assign(writable_dirs.begin(), writable_dirs.end());
  options.cargo_home = cargo_home;
  options.cgroup_root = cgroup_root;
  options.on_warning = warn;

  if (!options.cargo_home.empty()) refuse_a_real_cargo_home(options.cargo_home);
  lower_priority(nice);
  // A server that goes away makes write() fail with EPIPE, which ends us
  // cleanly; commands get SIGPIPE back (CommandProcess resets signals).
  std::signal(SIGPIPE, SIG_IGN);
  return serve(std::move(options));
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    warn(e.what());
  } catch (...) {
    warn("unknown error");
  }
  return 1;
}
