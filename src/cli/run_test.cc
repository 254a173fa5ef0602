// `crater-at-home run` end to end: real crates from Debian's registry through
// Docker workers into a file store, and the faults a sweep of days meets: a
// worker killed, the server killed, a Ctrl-C, a bad crate list. The binary
// runs as a child process, as a user runs it. Every test has its own worker
// prefix and temporary folder: ctest runs them in parallel.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
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

#include "testing/e2e.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

const fs::path kSourceDir = CAH_SOURCE_DIR;
const fs::path kDebianRegistry = "/usr/share/cargo/registry";
const fs::path kTools = kSourceDir / "tools.toml";

using e2e::Child;
using e2e::containers_gone;
using e2e::containers_labelled;
using e2e::eventually;
using e2e::read_file;
using e2e::ScratchDir;
using e2e::shell_output;
using e2e::WorkerPrefix;
using e2e::write_file;

/// A `crater-at-home run` (or any of its commands) in the background.
class Server : public Child {
 public:
  Server(const std::vector<std::string>& args, const fs::path& output_prefix,
         std::optional<fs::path> cwd = std::nullopt)
      : Child(with_binary(args), {.stdout_file = fs::path(output_prefix.string() + ".out"),
                                  .stderr_file = fs::path(output_prefix.string() + ".err"),
                                  .cwd = std::move(cwd),
                                  .unset = {"CAH_LOG"}}) {}

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
  const ScratchDir scratch("cah-run-test");
  const WorkerPrefix prefix("cah-rt");
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
  const ScratchDir scratch("cah-run-test");
  const WorkerPrefix prefix("cah-rt");
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
  // Every crate's objects are written again (the site's pages only where
  // they changed).
  for (const auto& [file, state] : before) {
    ASSERT_TRUE(after.contains(file)) << file;
    const bool crate_object = file.starts_with("check/raw/") || file.starts_with("check/logs/") ||
                              file.starts_with("check/results/");
    if (!crate_object) continue;
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
  const ScratchDir scratch("cah-run-test");
  const WorkerPrefix prefix("cah-rt");
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
  const ScratchDir scratch("cah-run-test");
  const WorkerPrefix prefix("cah-rt");
  // Run in name order with one worker: two before cah-slow, one after.
  const std::vector<std::string> names = {"cah-hello-a", "cah-hello-b", "cah-slow", "cah-tail"};
  const fs::path registry = make_registry(scratch / "registry", {{"cah-hello-a", "cah-hello"},
                                                                 {"cah-hello-b", "cah-hello"},
                                                                 {"cah-slow", "cah-slow"},
                                                                 {"cah-tail", "cah-hello"}});
  // One preparation at a time: crates reach the worker in the plan's order.
  const auto args =
      run_args("test", registry, scratch / "store", prefix, {"--jobs", "1", "--prepare-jobs", "1"});
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
  const ScratchDir scratch("cah-run-test");
  const WorkerPrefix prefix("cah-rt");
  const fs::path registry =
      make_registry(scratch / "registry", {{"cah-hello", "cah-hello"}, {"cah-slow", "cah-slow"}});
  // One preparation at a time: crates reach the worker in the plan's order.
  const auto args =
      run_args("test", registry, scratch / "store", prefix, {"--jobs", "1", "--prepare-jobs", "1"});
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
  const ScratchDir scratch("cah-run-test");
  const WorkerPrefix prefix("cah-rt");
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
  const ScratchDir scratch("cah-run-test");
  const WorkerPrefix prefix("cah-rt");
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

// An engine that cannot be reached at the start is left out, saying why,
// and the run goes on with the others; with no engine left it stops.
TEST(Run, AnEngineDownAtTheStartIsLeftOutAndTheOthersRun) {
  const ScratchDir scratch("cah-run-test");
  const WorkerPrefix prefix("cah-rt");
  const fs::path list = scratch / "crates";
  write_crate_list(list, {"itoa"});
  const std::string down = "unix://" + (scratch / "no-dockerd.sock").string();

  Server run(run_args("check", kDebianRegistry, scratch / "store", prefix,
                      {"--crate-list", list.string(), "--engine", "local=1", "--engine", down}),
             scratch / "run");
  ASSERT_EQ(run.wait(seconds(300)), 0) << run.said();
  EXPECT_NE(run.err().find("warning: engine " + down + " cannot be reached"), std::string::npos)
      << run.said();
  EXPECT_NE(run.err().find("1 of 2 engines left out of this run (" + down + ")"), std::string::npos)
      << run.said();
  const StoreView store(scratch / "store", "check");
  const std::string version = recorded_version(store, "itoa");
  ASSERT_NE(version, "") << run.said();
  EXPECT_EQ(store.record("itoa", version)["engine"], "local");
  EXPECT_TRUE(containers_gone(prefix.name())) << containers_labelled(prefix.name());

  Server none(run_args("check", kDebianRegistry, scratch / "store-none", prefix,
                       {"--crate-list", list.string(), "--engine", down, "--rerun"}),
              scratch / "none");
  EXPECT_NE(none.wait(seconds(120)), 0) << none.said();
  EXPECT_NE(none.err().find("engine " + down + " cannot be reached"), std::string::npos)
      << none.said();
  EXPECT_EQ(none.err().find("left out"), std::string::npos) << none.said();
}

}  // namespace
