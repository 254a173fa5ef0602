// `crater-at-home run` end to end: real crates from Debian's registry through
// Docker workers into a file store, and the faults a sweep of days meets: a
// worker killed, the server killed, a Ctrl-C, a bad crate list. The binary
// runs as a child process, as a user runs it. Every test has its own worker
// prefix and temporary folder: ctest runs them in parallel.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

const fs::path kSourceDir = CAH_SOURCE_DIR;
const fs::path kDebianRegistry = "/usr/share/cargo/registry";
const fs::path kTools = kSourceDir / "tools.toml";

/// `what-PID-N`: unique among the tests of every process running at once.
std::string unique_name(std::string_view what) {
  static std::atomic<int> next{0};
  return std::string(what) + "-" + std::to_string(getpid()) + "-" + std::to_string(next++);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

/// Polls `done` every 100 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& done, seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

/// A folder under /tmp for one test, gone when the test ends.
class ScratchDir {
 public:
  ScratchDir() : path_(fs::temp_directory_path() / unique_name("cah-run-test")) {
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const fs::path& relative) const { return path_ / relative; }

 private:
  fs::path path_;
};

/// Runs `command` through sh; returns its stdout.
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

/// The containers `run --worker-prefix PREFIX` made (running or not).
std::string containers_labelled(const std::string& prefix) {
  return shell_output("docker ps -aq --filter label=crater-at-home.worker=" + prefix);
}

/// Whether the containers of PREFIX are gone within a few seconds: one that
/// exited as it was removed can show as "Removal In Progress" for a moment.
bool containers_gone(const std::string& prefix) {
  return eventually([&] { return containers_labelled(prefix).empty(); }, seconds(10));
}

/// A --worker-prefix of the test's own; whatever containers a failing test
/// leaves under it are removed at the end.
class WorkerPrefix {
 public:
  WorkerPrefix() : name_(unique_name("cah-rt")) {}
  ~WorkerPrefix() {
    const std::string left = containers_labelled(name_);
    if (!left.empty()) shell_output("docker rm -f " + left + " >/dev/null 2>&1");
  }
  WorkerPrefix(const WorkerPrefix&) = delete;
  WorkerPrefix& operator=(const WorkerPrefix&) = delete;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

struct ChildOptions {
  fs::path stdout_file;
  fs::path stderr_file;
  std::optional<fs::path> cwd;
  /// Set in the child's environment (after dropping `unset`).
  std::map<std::string, std::string> env;
  /// Names of variables, or prefixes ending in '*', not passed on.
  std::vector<std::string> unset;
};

/// A child process with its output in files; killed (SIGKILL) and reaped at
/// the end if the test did not wait for it.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const ChildOptions& options) : options_(options) {
    std::vector<std::string> argv_copy = argv;
    std::vector<char*> args;
    args.reserve(argv_copy.size() + 1);
    for (auto& arg : argv_copy) args.push_back(arg.data());
    args.push_back(nullptr);

    std::vector<std::string> env_strings;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      const std::string_view text = *entry;
      const std::string_view name = text.substr(0, text.find('='));
      if (!dropped(name)) env_strings.emplace_back(text);
    }
    for (const auto& [name, value] : options.env)
      env_strings.push_back(std::string(name).append("=").append(value));
    std::vector<char*> envp;
    envp.reserve(env_strings.size() + 1);
    for (auto& entry : env_strings) envp.push_back(entry.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, options.stdout_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, options.stderr_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (options.cwd) posix_spawn_file_actions_addchdir_np(&actions, options.cwd->c_str());
    // Signals the test runner blocks or ignores must reach the server.
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

  ~Child() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int ignored = 0;
      waitpid(pid_, &ignored, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  void send(int signal) const { ::kill(pid_, signal); }

  /// The exit status, 128+N if killed by signal N; nullopt if it still runs
  /// after `timeout`.
  std::optional<int> wait(seconds timeout) {
    eventually([this] { return poll(); }, timeout);
    return status_;
  }

  bool exited() { return poll(); }
  std::string out() const { return read_file(options_.stdout_file); }
  std::string err() const { return read_file(options_.stderr_file); }

 private:
  bool dropped(std::string_view name) const {
    return std::any_of(options_.unset.begin(), options_.unset.end(), [&](const std::string& u) {
      if (u.ends_with('*')) return name.starts_with(std::string_view(u).substr(0, u.size() - 1));
      return name == u;
    });
  }

  bool poll() {
    if (status_) return true;
    int raw = 0;
    if (waitpid(pid_, &raw, WNOHANG) != pid_) return false;
    status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    return true;
  }

  ChildOptions options_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

/// A `crater-at-home run` (or any of its commands) in the background.
class Server : public Child {
 public:
  Server(const std::vector<std::string>& args, const fs::path& output_prefix,
         std::optional<fs::path> cwd = std::nullopt)
      : Child(with_binary(args), {.stdout_file = fs::path(output_prefix.string() + ".out"),
                                  .stderr_file = fs::path(output_prefix.string() + ".err"),
                                  .cwd = std::move(cwd),
                                  .unset = {"CAH_LOG"}}) {}

  /// What it said, for failure messages.
  std::string said() const { return "stderr:\n" + err() + "\nstdout:\n" + out(); }

 private:
  static std::vector<std::string> with_binary(const std::vector<std::string>& args) {
    std::vector<std::string> argv{CAH_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
};

/// `run` with what every test gives it, then `extra`.
std::vector<std::string> run_args(const std::string& tool, const fs::path& registry,
                                  const fs::path& store, const WorkerPrefix& prefix,
                                  std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"run", "--tool=" + tool, "--tools", kTools.string(), "--registry",
                                registry.string(), "--store", "file://" + store.string(),
                                "--worker-prefix", prefix.name(), "--memory-limit-gb", "2",
                                // The test's own package cache, beside its store.
                                "--cache", store.string() + "-cache"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

/// What a file store holds for one tool.
class StoreView {
 public:
  StoreView(fs::path root, std::string tool) : root_(std::move(root)), tool_(std::move(tool)) {}

  fs::path raw(const std::string& name, const std::string& version) const {
    return root_ / tool_ / "raw" / name / version;
  }
  fs::path page(const std::string& name, const std::string& version) const {
    return root_ / tool_ / "logs" / name / version;
  }
  fs::path record_path(const std::string& name, const std::string& version) const {
    return root_ / tool_ / "results" / name / (version + ".json");
  }
  json record(const std::string& name, const std::string& version) const {
    return json::parse(read_file(record_path(name, version)));
  }

  /// Every file under results/NAME/: one per version the crate ran at.
  std::vector<fs::path> records_of(const std::string& name) const {
    return files_under(root_ / tool_ / "results" / name);
  }
  /// Every object of the crate, in any of raw/, logs/ and results/.
  std::vector<fs::path> objects_of(const std::string& name) const {
    std::vector<fs::path> files;
    for (const char* kind : {"raw", "logs", "results"}) {
      for (auto& file : files_under(root_ / tool_ / kind / name)) files.push_back(file);
    }
    return files;
  }
  /// Files named KEY.cah-tmp-PID-N anywhere in the store.
  std::vector<fs::path> temporaries() const {
    std::vector<fs::path> found;
    for (const fs::path& file : files_under(root_)) {
      if (file.filename().string().find(".cah-tmp-") != std::string::npos) found.push_back(file);
    }
    return found;
  }
  bool has_temporary_of(const std::string& name) const {
    for (const fs::path& file : files_under(root_ / tool_ / "raw" / name)) {
      if (file.filename().string().find(".cah-tmp-") != std::string::npos) return true;
    }
    return false;
  }

  struct FileState {
    fs::file_time_type modified;
    std::string contents;
    friend bool operator==(const FileState&, const FileState&) = default;
  };
  /// Every file of the store, with its time and contents.
  std::map<std::string, FileState> snapshot() const {
    std::map<std::string, FileState> files;
    for (const fs::path& file : files_under(root_)) {
      files[file.lexically_relative(root_).string()] = {fs::last_write_time(file), read_file(file)};
    }
    return files;
  }

 private:
  static std::vector<fs::path> files_under(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return files;
    for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  fs::path root_;
  std::string tool_;
};

std::string describe(const std::vector<fs::path>& files) {
  std::string text;
  for (const auto& file : files) text += file.string() + "\n";
  return text;
}

/// A directory registry of our test crates: NAME-0.1.0/ holds a copy of
/// tests/crates/SOURCE whose manifest is renamed NAME, plus the
/// .cargo-checksum.json cargo wants of every folder of a directory source.
fs::path make_registry(const fs::path& root,
                       const std::vector<std::pair<std::string, std::string>>& crates) {
  for (const auto& [name, source] : crates) {
    const fs::path folder = root / (name + "-0.1.0");
    fs::create_directories(folder);
    fs::copy(kSourceDir / "tests/crates" / source, folder, fs::copy_options::recursive);
    std::string manifest = read_file(folder / "Cargo.toml");
    const std::string from = "name = \"" + source + "\"";
    const size_t at = manifest.find(from);
    if (at == std::string::npos)
      throw std::runtime_error(std::string("no ").append(from).append(" in ").append(source));
    manifest.replace(at, from.size(), "name = \"" + name + "\"");
    write_file(folder / "Cargo.toml", manifest);
    write_file(folder / ".cargo-checksum.json", R"({"files":{},"package":""})");
  }
  return root;
}

fs::path write_crate_list(const fs::path& file, const std::vector<std::string>& entries) {
  std::string text;
  for (const auto& entry : entries) text += entry + "\n";
  write_file(file, text);
  return file;
}

/// The names in a crate list file, comments dropped.
std::vector<std::string> read_names(const fs::path& file) {
  std::vector<std::string> names;
  std::istringstream lines(read_file(file));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line.substr(0, line.find('#')));
    std::string word;
    while (words >> word) names.push_back(word);
  }
  return names;
}

/// The only version the store has a record for; "" if none or several.
std::string recorded_version(const StoreView& store, const std::string& name) {
  const auto records = store.records_of(name);
  if (records.size() != 1) return "";
  return records[0].stem().string();
}

// --- cargo outside the sandbox ---------------------------------------------

/// Registry folder holding NAME VERSION: NAME-VERSION/ mostly, but Debian
/// keeps some elsewhere (md-5 0.10.1 is in md-0.10.1/): the manifest says.
std::optional<fs::path> registry_folder(const fs::path& registry, const std::string& name,
                                        const std::string& version) {
  const auto holds = [&](const fs::path& folder) {
    try {
      const toml::table manifest = toml::parse_file((folder / "Cargo.toml").string());
      return manifest["package"]["name"].value<std::string>() == name &&
             manifest["package"]["version"].value<std::string>() == version;
    } catch (const toml::parse_error&) {
      return false;
    }
  };
  if (const fs::path usual = registry / (name + "-" + version); holds(usual)) return usual;
  for (const auto& entry : fs::directory_iterator(registry)) {
    if (entry.is_directory() && holds(entry.path())) return entry.path();
  }
  return std::nullopt;
}

/// `cargo +stable generate-lockfile` on a copy of the crate, with the same
/// registry as crates.io: whether its dependencies resolve, told without
/// running any of its code (a build would run its build scripts here, outside
/// any sandbox).
class HostCargo {
 public:
  explicit HostCargo(fs::path work) : work_(std::move(work)) {
    fs::create_directories(work_ / "cargo-home");
    fs::create_directories(work_ / "target");
    // A JSON string is a TOML basic string.
    write_file(work_ / "cargo-home/config.toml",
               "[source.crates-io]\nreplace-with = \"x\"\n\n[source.x]\ndirectory = " +
                   json(kDebianRegistry.string()).dump() + "\n\n[net]\noffline = true\n");
  }

  struct Resolved {
    bool resolves = false;
    std::string output;
  };

  Resolved resolve(const fs::path& folder, const std::string& name) {
    const fs::path copy = work_ / "crates" / name;
    fs::create_directories(copy);
    fs::copy(folder, copy, fs::copy_options::recursive);
    // As preparation does: the crate's own configuration must not apply.
    fs::remove_all(copy / ".cargo");
    fs::remove(copy / "rust-toolchain.toml");
    fs::remove(copy / "rust-toolchain");
    Child cargo({"cargo", "+stable", "generate-lockfile"},
                {.stdout_file = work_ / (name + ".out"),
                 .stderr_file = work_ / (name + ".err"),
                 .cwd = copy,
                 .env = {{"CARGO_HOME", (work_ / "cargo-home").string()}, {"TERM", "dumb"}},
                 .unset = {"CARGO*", "RUSTUP_TOOLCHAIN", "RUSTC*"}});
    const std::optional<int> status = cargo.wait(seconds(600));
    return {.resolves = status == 0, .output = cargo.err() + cargo.out()};
  }

 private:
  fs::path work_;
};

// --- the tests --------------------------------------------------------------

// The list in tests/run-crates.txt through `run --tool=check` in two workers:
// every crate gets its raw log, page and record; a crate is broken exactly
// when cargo cannot resolve its dependencies outside the sandbox with the
// same registry, and never failed for a missing dependency.
TEST(Run, EndToEndCheckOnRealCrates) {
  const ScratchDir scratch;
  const WorkerPrefix prefix;
  const fs::path list = kSourceDir / "tests/run-crates.txt";
  const std::vector<std::string> names = read_names(list);
  ASSERT_GE(names.size(), 20u);

  Server run(run_args("check", kDebianRegistry, scratch / "store", prefix,
                      {"--jobs", "2", "--crate-list", list.string()}),
             scratch / "run");
  ASSERT_EQ(run.wait(seconds(600)), 0) << run.said();
  EXPECT_NE(run.err().find("check on " + std::to_string(names.size()) + " crates (" +
                           std::to_string(names.size()) + " selected"),
            std::string::npos)
      << run.said();
  EXPECT_TRUE(containers_gone(prefix.name())) << containers_labelled(prefix.name());

  const StoreView store(scratch / "store", "check");
  EXPECT_EQ(describe(store.temporaries()), "");
  HostCargo cargo(scratch / "host");
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const std::string version = recorded_version(store, name);
    ASSERT_NE(version, "") << "not exactly one record:\n" << describe(store.records_of(name));
    const json record = store.record(name, version);
    EXPECT_EQ(record["tool"], "check");
    EXPECT_EQ(record["crate"], name);
    EXPECT_EQ(record["version"], version);
    ASSERT_TRUE(record["outcome"] == "passed" || record["outcome"] == "build-failed" ||
                record["outcome"] == "broken")
        << record.dump(2);
    EXPECT_EQ(record["attempts"], record["outcome"] == "broken" ? 0 : 1);

    const std::string raw = read_file(store.raw(name, version));
    EXPECT_FALSE(raw.empty());
    EXPECT_EQ(record["log_bytes"], raw.size());
    EXPECT_TRUE(read_file(store.page(name, version)).starts_with("<!DOCTYPE html>"));

    const auto folder = registry_folder(kDebianRegistry, name, version);
    ASSERT_TRUE(folder.has_value()) << "no " << name << " " << version << " in the registry";
    const HostCargo::Resolved host = cargo.resolve(*folder, name);
    EXPECT_EQ(record["outcome"] == "broken", !host.resolves)
        << "outside the sandbox `cargo generate-lockfile`:\n"
        << host.output << "\nthe crate's log:\n"
        << raw;
    if (record["outcome"] == "broken") {
      EXPECT_NE(raw.find("error"), std::string::npos) << raw;  // the resolver's own words
    } else {
      EXPECT_EQ(raw.find("no matching package"), std::string::npos) << raw;
    }
  }
}

/// The objects of crates in a snapshot of tool `check`: raw logs, pages and
/// records (the site beside them is not counted).
size_t crate_objects(const std::map<std::string, StoreView::FileState>& snapshot) {
  size_t count = 0;
  for (const auto& [file, state] : snapshot) {
    for (const char* folder : {"check/raw/", "check/logs/", "check/results/"}) {
      if (file.starts_with(folder)) ++count;
    }
  }
  return count;
}

// A second identical run finds every result fresh and touches nothing;
// --rerun runs every crate again.
TEST(Run, ASecondRunDoesNothingAndRerunRedoesAll) {
  const ScratchDir scratch;
  const WorkerPrefix prefix;
  const fs::path list = write_crate_list(scratch / "crates", {"itoa", "fnv", "matches"});
  const auto args = run_args("check", kDebianRegistry, scratch / "store", prefix,
                             {"--jobs", "2", "--crate-list", list.string()});
  const StoreView store(scratch / "store", "check");

  Server first(args, scratch / "first");
  ASSERT_EQ(first.wait(seconds(300)), 0) << first.said();
  const auto before = store.snapshot();
  ASSERT_EQ(crate_objects(before), 9u) << first.said();  // raw, page and record of each

  Server second(args, scratch / "second");
  ASSERT_EQ(second.wait(seconds(60)), 0) << second.said();
  EXPECT_NE(second.err().find("check on 0 crates (3 selected, 3 with a fresh result"),
            std::string::npos)
      << second.said();
  EXPECT_TRUE(store.snapshot() == before) << "the second run changed the store";

  auto rerun_args = args;
  rerun_args.emplace_back("--rerun");
  Server rerun(rerun_args, scratch / "rerun");
  ASSERT_EQ(rerun.wait(seconds(300)), 0) << rerun.said();
  EXPECT_NE(rerun.err().find("check on 3 crates (3 selected, 0 with a fresh result"),
            std::string::npos)
      << rerun.said();
  const auto after = store.snapshot();
  ASSERT_EQ(crate_objects(after), 9u);
  for (const auto& [file, state] : before) {
    ASSERT_TRUE(after.contains(file)) << file;
    EXPECT_NE(after.at(file).modified, state.modified) << file << " was not written again";
  }
  for (const std::string name : {"itoa", "fnv", "matches"}) {
    const std::string version = recorded_version(store, name);
    const fs::path key = store.record_path(name, version).lexically_relative(scratch / "store");
    const json old_record = json::parse(before.at(key.string()).contents);
    const json new_record = store.record(name, version);
    EXPECT_GE(new_record["started"].get<std::string>(), old_record["started"].get<std::string>());
    EXPECT_EQ(new_record["outcome"], old_record["outcome"]) << name;
  }
}

// `docker kill` of the worker running a crate: a new worker runs the crate
// from the start, and the store has one record of it, its log once.
TEST(Run, AKilledWorkerIsReplacedAndItsCrateRunOnce) {
  const ScratchDir scratch;
  const WorkerPrefix prefix;
  const fs::path registry =
      make_registry(scratch / "registry", {{"cah-slow", "cah-slow"}, {"cah-hello", "cah-hello"}});
  const fs::path list = write_crate_list(scratch / "crates", {"cah-slow"});
  const StoreView store(scratch / "store", "test");
  Server run(run_args("test", registry, scratch / "store", prefix,
                      {"--jobs", "1", "--crate-list", list.string()}),
             scratch / "run");

  ASSERT_TRUE(
      eventually([&] { return store.has_temporary_of("cah-slow") || run.exited(); }, seconds(120)))
      << run.said();
  ASSERT_FALSE(run.exited()) << run.said();
  std::this_thread::sleep_for(seconds(3));  // into its build or its test
  const std::string worker = prefix.name() + "-0";
  ASSERT_EQ(shell_output("docker kill " + worker + " 2>&1"), worker + "\n");

  ASSERT_EQ(run.wait(seconds(180)), 0) << run.said();
  EXPECT_NE(run.err().find("cah-slow 0.1.0: requeued"), std::string::npos) << run.said();
  ASSERT_EQ(store.records_of("cah-slow").size(), 1u) << describe(store.records_of("cah-slow"));
  const json record = store.record("cah-slow", "0.1.0");
  EXPECT_EQ(record["outcome"], "passed") << record.dump(2);
  EXPECT_EQ(record["attempts"], 2);
  const std::string raw = read_file(store.raw("cah-slow", "0.1.0"));
  EXPECT_NE(raw.find("slow: done"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("slow: 1"), raw.rfind("slow: 1")) << "more than one run in the log:\n" << raw;
  EXPECT_TRUE(fs::exists(store.page("cah-slow", "0.1.0")));
  EXPECT_EQ(describe(store.temporaries()), "");
  EXPECT_TRUE(containers_gone(prefix.name())) << containers_labelled(prefix.name());
}

// SIGKILL to the server mid-sweep, then the same command again: it takes up
// where the first left off, and the store ends with one complete result per
// crate, no temporaries and no containers.
TEST(Run, ASigkilledServerResumesWithNothingLostOrDuplicated) {
  const ScratchDir scratch;
  const WorkerPrefix prefix;
  // Run in name order with one worker: two before cah-slow, one after.
  const std::vector<std::string> names = {"cah-hello-a", "cah-hello-b", "cah-slow", "cah-tail"};
  const fs::path registry = make_registry(scratch / "registry", {{"cah-hello-a", "cah-hello"},
                                                                 {"cah-hello-b", "cah-hello"},
                                                                 {"cah-slow", "cah-slow"},
                                                                 {"cah-tail", "cah-hello"}});
  const auto args = run_args("test", registry, scratch / "store", prefix, {"--jobs", "1"});
  const StoreView store(scratch / "store", "test");

  std::optional<Server> first(std::in_place, args, scratch / "first");
  ASSERT_TRUE(eventually(
      [&] {
        return (store.has_temporary_of("cah-slow") && !store.records_of("cah-hello-a").empty()) ||
               first->exited();
      },
      seconds(180)))
      << first->said();
  ASSERT_FALSE(first->exited()) << first->said();
  std::this_thread::sleep_for(seconds(2));
  first->send(SIGKILL);
  ASSERT_EQ(first->wait(seconds(10)), 128 + SIGKILL);
  const pid_t killed = first->pid();
  first.reset();
  EXPECT_TRUE(store.records_of("cah-slow").empty());
  const auto done_before = store.snapshot();

  Server second(args, scratch / "second");
  ASSERT_EQ(second.wait(seconds(180)), 0) << second.said();
  // Its inbox of staged crates outlives a SIGKILL; not the test's to keep.
  std::error_code ignored;
  fs::remove_all(fs::temp_directory_path() / ("crater-at-home-" + std::to_string(killed)), ignored);
  EXPECT_NE(second.err().find("test on 2 crates (4 selected, 2 with a fresh result"),
            std::string::npos)
      << second.said();
  // The killed server's worker may still be finishing its job: the new run
  // removes it rather than trip over its name.
  EXPECT_EQ(second.err().find("cannot start worker"), std::string::npos) << second.said();

  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    ASSERT_EQ(store.records_of(name).size(), 1u) << describe(store.records_of(name));
    const json record = store.record(name, "0.1.0");
    EXPECT_EQ(record["outcome"], "passed") << record.dump(2);
    EXPECT_EQ(record["attempts"], 1);
    EXPECT_FALSE(read_file(store.raw(name, "0.1.0")).empty());
    EXPECT_TRUE(read_file(store.page(name, "0.1.0")).starts_with("<!DOCTYPE html>"));
  }
  // Finished before the kill: not run again.
  const auto after = store.snapshot();
  for (const std::string name : {"cah-hello-a", "cah-hello-b"}) {
    const std::string key = "test/results/" + name + "/0.1.0.json";
    ASSERT_TRUE(done_before.contains(key)) << key;
    EXPECT_TRUE(after.at(key) == done_before.at(key)) << key << " was written again";
  }
  EXPECT_EQ(describe(store.temporaries()), "");
  EXPECT_TRUE(containers_gone(prefix.name())) << containers_labelled(prefix.name());
}

// Ctrl-C mid-crate: exit 130 at once, nothing stored for the crate in flight,
// no containers left; the next run runs it.
TEST(Run, CtrlCStopsCleanly) {
  const ScratchDir scratch;
  const WorkerPrefix prefix;
  const fs::path registry =
      make_registry(scratch / "registry", {{"cah-hello", "cah-hello"}, {"cah-slow", "cah-slow"}});
  const auto args = run_args("test", registry, scratch / "store", prefix, {"--jobs", "1"});
  const StoreView store(scratch / "store", "test");

  Server first(args, scratch / "first");
  ASSERT_TRUE(eventually(
      [&] {
        return (store.has_temporary_of("cah-slow") && !store.records_of("cah-hello").empty()) ||
               first.exited();
      },
      seconds(180)))
      << first.said();
  ASSERT_FALSE(first.exited()) << first.said();
  std::this_thread::sleep_for(seconds(2));
  first.send(SIGINT);
  ASSERT_EQ(first.wait(seconds(15)), 130) << first.said();
  EXPECT_EQ(describe(store.objects_of("cah-slow")), "");
  EXPECT_EQ(describe(store.temporaries()), "");
  EXPECT_TRUE(containers_gone(prefix.name())) << containers_labelled(prefix.name());
  EXPECT_EQ(store.records_of("cah-hello").size(), 1u);

  Server second(args, scratch / "second");
  ASSERT_EQ(second.wait(seconds(180)), 0) << second.said();
  EXPECT_NE(second.err().find("test on 1 crates (2 selected, 1 with a fresh result"),
            std::string::npos)
      << second.said();
  ASSERT_EQ(store.records_of("cah-slow").size(), 1u);
  EXPECT_EQ(store.record("cah-slow", "0.1.0")["outcome"], "passed");
  EXPECT_EQ(store.record("cah-slow", "0.1.0")["attempts"], 1);
}

// Entries that are malformed or not in the registry are errors, named on
// stderr and in the exit status, but the good ones still run.
TEST(Run, ABadCrateListStillRunsTheRest) {
  const ScratchDir scratch;
  const WorkerPrefix prefix;
  const fs::path list = write_crate_list(
      scratch / "crates", {"itoa", "semver", "no-such-crate-xyz", "itoa@0.0.0-nope", "!!bad!!"});
  Server run(run_args("check", kDebianRegistry, scratch / "store", prefix,
                      {"--jobs", "2", "--crate-list", list.string()}),
             scratch / "run");
  ASSERT_EQ(run.wait(seconds(300)), 1) << run.said();
  const std::string err = run.err();
  for (const char* bad : {"no-such-crate-xyz", "itoa@0.0.0-nope", "!!bad!!"}) {
    EXPECT_NE(err.find(bad), std::string::npos) << bad << " not named:\n" << err;
  }
  EXPECT_NE(err.find("check on 2 crates (2 selected"), std::string::npos) << err;
  const StoreView store(scratch / "store", "check");
  for (const std::string name : {"itoa", "semver"}) {
    ASSERT_EQ(store.records_of(name).size(), 1u) << name << "\n" << run.said();
    const json record = store.record(name, recorded_version(store, name));
    EXPECT_TRUE(record["outcome"] == "passed" || record["outcome"] == "build-failed")
        << record.dump(2);
  }
  EXPECT_EQ(describe(store.objects_of("no-such-crate-xyz")), "");
}

// ./crater-at-home.toml's [run] section gives every option; a flag on the
// command line wins over the file.
TEST(Run, TheConfigFileSetsOptionsAndTheCommandLineWins) {
  const ScratchDir scratch;
  const WorkerPrefix prefix;
  const fs::path cwd = scratch / "cwd";
  fs::create_directories(cwd);
  write_crate_list(cwd / "crates", {"itoa", "semver"});
  const fs::path store_a = scratch / "a";
  const fs::path store_b = scratch / "b";
  write_file(cwd / "crater-at-home.toml",
             "[run]\n"
             "tool = \"check\"\n"
             "tools = " +
                 json(kTools.string()).dump() +
                 "\n"
                 "registry = " +
                 json(kDebianRegistry.string()).dump() +
                 "\n"
                 "store = " +
                 json("file://" + store_a.string()).dump() +
                 "\n"
                 "worker-prefix = " +
                 json(prefix.name()).dump() +
                 "\n"
                 "jobs = 1\n"
                 "ignore = [\"semver\"]\n");

  Server from_file({"run", "--crate-list", "crates"}, scratch / "from-file", cwd);
  ASSERT_EQ(from_file.wait(seconds(300)), 0) << from_file.said();
  EXPECT_NE(
      from_file.err().find("check on 1 crates (2 selected, 0 with a fresh result, 1 ignored), "
                           "1 workers, from " +
                           kDebianRegistry.string() + ", results in file://" + store_a.string()),
      std::string::npos)
      << from_file.said();
  const StoreView a(store_a, "check");
  EXPECT_EQ(a.records_of("itoa").size(), 1u) << from_file.said();
  EXPECT_EQ(describe(a.objects_of("semver")), "");
  const auto a_before = a.snapshot();

  Server overridden({"run", "--crate-list", "crates", "--store", "file://" + store_b.string()},
                    scratch / "overridden", cwd);
  ASSERT_EQ(overridden.wait(seconds(300)), 0) << overridden.said();
  const StoreView b(store_b, "check");
  EXPECT_EQ(b.records_of("itoa").size(), 1u) << overridden.said();
  EXPECT_EQ(describe(b.objects_of("semver")), "");
  EXPECT_TRUE(a.snapshot() == a_before) << "the file's store was written";
}

}  // namespace
