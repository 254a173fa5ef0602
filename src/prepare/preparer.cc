#include "prepare/preparer.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <nlohmann/json.hpp>

#include "result/crate_log.h"

namespace prepare {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// Reads what `fd` has; false at end of file.
bool drain(int& fd, std::string& into, size_t max_bytes, bool& cut) {
  std::array<char, 16384> buffer;
  for (;;) {
    const ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n > 0) {
      const size_t room = max_bytes > into.size() ? max_bytes - into.size() : 0;
      into.append(buffer.data(), std::min(room, static_cast<size_t>(n)));
      if (static_cast<size_t>(n) > room) cut = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    fd = -1;
    return false;
  }
}

}  // namespace

struct ProcessPreparer::Running {
  Prepared prepared;
  std::unique_ptr<sandbox::ChildProcess> child;
  unsigned home = 0;
  int out_fd = -1;
  int err_fd = -1;
  std::string out;
  bool cut = false;
  Clock::time_point deadline;
  bool timed_out = false;
};

std::vector<std::string> preparation_env() {
  std::vector<std::string> env;
  for (const char* name :
       {"PATH", "HOME", "USER", "LANG", "LC_ALL", "RUSTUP_HOME", "CAH_CONTACT", "XDG_CACHE_HOME",
        "TMPDIR", "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE"}) {
    if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
  }
  return env;
}

ProcessPreparer::ProcessPreparer(PreparerOptions options)
    : options_(std::move(options)),
      env_(preparation_env()),
      homes_in_use_(std::max<size_t>(options_.parallel, 1), false) {}

ProcessPreparer::~ProcessPreparer() { stop_all(); }

void ProcessPreparer::start(const catalogue::Crate& crate) {
  auto running = std::make_unique<Running>();
  const std::string folder = crate.name + "-" + crate.version;
  running->prepared = Prepared{
      .crate = crate,
      .staged = fs::path(options_.base.staging) / folder,
      .deps = fs::path(options_.base.staging) / (folder + ".deps"),
  };
  if (options_.base.bundle)
    running->prepared.bundle = fs::path(options_.base.staging) / (folder + ".tar");
  const auto free_home = std::find(homes_in_use_.begin(), homes_in_use_.end(), false);
  running->home = static_cast<unsigned>(free_home - homes_in_use_.begin());
  if (free_home == homes_in_use_.end()) homes_in_use_.push_back(false);
  homes_in_use_[running->home] = true;

  PreparationRequest request = options_.base;
  request.crate = crate.name;
  request.version = crate.version;
  request.checksum = crate.checksum;
  request.home = running->home;
  try {
    running->child = std::make_unique<sandbox::ChildProcess>(
        std::vector<std::string>{options_.executable.string(), "prepare-crate"},
        sandbox::SpawnOptions{.env = env_});
    const std::string payload = nlohmann::json(request).dump();
    // A request is a few hundred bytes: the pipe takes it whole.
    if (write(running->child->stdin_fd(), payload.data(), payload.size()) !=
        static_cast<ssize_t>(payload.size())) {
      throw std::runtime_error("cannot send the request");
    }
    running->child->close_stdin();
  } catch (const std::exception& e) {
    homes_in_use_[running->home] = false;
    running->prepared.result.error = std::string("cannot start a preparation: ") + e.what();
    finished_.push_back(std::move(running->prepared));
    return;
  }
  running->out_fd = running->child->stdout_fd();
  running->err_fd = running->child->stderr_fd();
  running->deadline = Clock::now() + options_.timeout;
  running_.push_back(std::move(running));
}

std::vector<int> ProcessPreparer::fds() const {
  std::vector<int> fds;
  for (const auto& running : running_) {
    if (running->out_fd >= 0) fds.push_back(running->out_fd);
    if (running->err_fd >= 0) fds.push_back(running->err_fd);
  }
  return fds;
}

void ProcessPreparer::read_available() {
  for (auto& running : running_) {
    if (running->out_fd >= 0) drain(running->out_fd, running->out, 1 << 20, running->cut);
    if (running->err_fd >= 0) {
      drain(running->err_fd, running->prepared.log, options_.max_log_bytes, running->cut);
    }
    if (!running->timed_out && Clock::now() > running->deadline) {
      running->timed_out = true;
      running->child->kill(SIGKILL);
      // Its pipes may stay open in a grandchild (cargo): stop reading them.
      running->out_fd = -1;
      running->err_fd = -1;
    }
  }
  for (auto it = running_.begin(); it != running_.end();) {
    Running& running = **it;
    // Done once its output is read to the end, or once killed for its
    // timeout (a grandchild may hold the pipes): and reaped, either way.
    const bool drained = running.out_fd < 0 && running.err_fd < 0;
    if ((drained || running.timed_out) && running.child->try_wait()) {
      finish(running);
      it = running_.erase(it);
    } else {
      ++it;
    }
  }
}

void ProcessPreparer::finish(Running& running) {
  homes_in_use_[running.home] = false;
  Prepared& prepared = running.prepared;
  const util::ExitStatus status = *running.child->try_wait();
  PreparationResult& result = prepared.result;
  if (running.timed_out) {
    result = {};
    result.error =
        "the preparation did not finish within " + std::to_string(options_.timeout.count()) + " s";
  } else {
    try {
      result = nlohmann::json::parse(running.out).get<PreparationResult>();
    } catch (const std::exception& e) {
      result = {};
      result.error = "the preparation ended with " + status.describe() + " and no result";
    }
  }
  if (running.cut) prepared.log += result::note_line("(the preparation's log was cut here)");
  if (result.status != PreparationResult::Status::kReady) {
    if (result.status == PreparationResult::Status::kError && running.timed_out) {
      prepared.log += result::note_line(result.error);
    }
    remove_staged(prepared);
  }
  finished_.push_back(std::move(prepared));
}

std::vector<Prepared> ProcessPreparer::take_finished() {
  std::vector<Prepared> out;
  out.swap(finished_);
  return out;
}

void ProcessPreparer::stop_all() {
  for (auto& running : running_) {
    running->child->kill(SIGKILL);
    running->child->wait();
    remove_staged(running->prepared);
  }
  running_.clear();
  std::fill(homes_in_use_.begin(), homes_in_use_.end(), false);
}

void remove_staged(const Prepared& prepared) {
  std::error_code ignored;
  if (!prepared.staged.empty()) fs::remove_all(prepared.staged, ignored);
  if (!prepared.deps.empty()) fs::remove_all(prepared.deps, ignored);
  if (!prepared.bundle.empty()) {
    fs::remove(prepared.bundle, ignored);
    fs::remove(prepared.bundle.string() + ".part", ignored);
  }
}

}  // namespace prepare
