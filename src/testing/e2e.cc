#include "testing/e2e.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <system_error>
#include <thread>
#include <utility>

#include "util/exit_status.h"

namespace e2e {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string unique_name(std::string_view what) {
  static std::atomic<int> next{0};
  return std::string(what) + "-" + std::to_string(getpid()) + "-" + std::to_string(next++);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, std::string_view text) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string getenv_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

bool eventually(const std::function<bool()>& done, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

ScratchDir::ScratchDir(std::string_view what)
    : path_(fs::temp_directory_path() / unique_name(what)) {
  fs::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string shell_output(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  pclose(pipe);
  return output;
}

std::string containers_labelled(const std::string& prefix) {
  return shell_output("docker ps -aq --filter label=crater-at-home.worker=" + prefix);
}

bool containers_gone(const std::string& prefix) {
  return eventually([&] { return containers_labelled(prefix).empty(); }, std::chrono::seconds(10));
}

WorkerPrefix::WorkerPrefix(std::string_view what) : name_(unique_name(what)) {}

WorkerPrefix::~WorkerPrefix() {
  const std::string left = containers_labelled(name_);
  if (!left.empty()) shell_output("docker rm -f " + left + " >/dev/null 2>&1");
}

Child::Child(const std::vector<std::string>& argv, ChildOptions options)
    : options_(std::move(options)) {
  std::vector<std::string> argv_copy = argv;
  std::vector<char*> args;
  args.reserve(argv_copy.size() + 1);
  for (auto& arg : argv_copy) args.push_back(arg.data());
  args.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text = *entry;
    const std::string name(text.substr(0, text.find('=')));
    if (!options_.env.contains(name) && !dropped(name)) env_strings.emplace_back(text);
  }
  for (const auto& [name, value] : options_.env) {
    if (value) env_strings.push_back(std::string(name).append("=").append(*value));
  }
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, options_.stdout_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, options_.stderr_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (options_.cwd) posix_spawn_file_actions_addchdir_np(&actions, options_.cwd->c_str());
  // Signals the test runner blocks or ignores must reach the child.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const int error = posix_spawnp(&pid_, args[0], &actions, &attributes, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    pid_ = -1;
    throw std::system_error(error, std::generic_category(), "posix_spawnp " + argv[0]);
  }
}

Child::~Child() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int ignored = 0;
    waitpid(pid_, &ignored, 0);
  }
}

void Child::send(int signal) const { ::kill(pid_, signal); }

std::optional<int> Child::wait(std::chrono::seconds timeout) {
  eventually([this] { return poll(); }, timeout);
  return status_;
}

bool Child::dropped(std::string_view name) const {
  return std::any_of(options_.unset.begin(), options_.unset.end(), [&](const std::string& u) {
    if (u.ends_with('*')) return name.starts_with(std::string_view(u).substr(0, u.size() - 1));
    return name == u;
  });
}

bool Child::poll() {
  if (status_) return true;
  int raw = 0;
  if (waitpid(pid_, &raw, WNOHANG) != pid_) return false;
  status_ = util::ExitStatus::from_wait_status(raw).shell_status();
  return true;
}

Finished run_to_end(const std::vector<std::string>& argv, const fs::path& output_prefix,
                    Environment env, std::chrono::seconds timeout) {
  fs::create_directories(output_prefix.parent_path());
  Child child(argv, {.stdout_file = output_prefix.string() + ".out",
                     .stderr_file = output_prefix.string() + ".err",
                     .env = std::move(env)});
  const auto status = child.wait(timeout);
  return {status, child.out(), child.err()};
}

}  // namespace e2e
