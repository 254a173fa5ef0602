// `run` keeps its memory bounded whatever a log's size: a crate printing
// 512 MiB goes to the store as it comes, raw and rendered, while the
// server's peak RSS stays a few megabytes. And each crate's record gives
// that crate's peak memory, not its worker's since it started.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "testing/e2e.h"

namespace {

namespace fs = std::filesystem;

struct Finished {
  int status = -1;
  long max_rss_kib = 0;
};

/// Runs the binary with `args`, stdout and stderr to `log`.
Finished run_binary(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  std::string binary = CAH_BINARY;
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (auto& arg : copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  Finished finished;
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) == pid && WIFEXITED(status)) {
    finished.status = WEXITSTATUS(status);
  }
  finished.max_rss_kib = usage.ru_maxrss;
  return finished;
}

using e2e::read_file;

TEST(RunMemory, AHugeLogStreamsToTheStoreInBoundedMemory) {
  const fs::path root = fs::temp_directory_path() / ("cah-run-memory-" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "registry");
  fs::copy(fs::path(CAH_SOURCE_DIR) / "tests/crates/cah-chatty", root / "registry/cah-chatty-0.1.0",
           fs::copy_options::recursive);
  const fs::path log = root / "run.log";
  const Finished finished =
      run_binary({"run", "--tool=test", "--jobs=1", "--registry", (root / "registry").string(),
                  "--store", "file://" + (root / "store").string(), "--worker-prefix",
                  "cah-memory-" + std::to_string(getpid()), "--memory-limit-gb", "2"},
                 log);
  ASSERT_EQ(finished.status, 0) << read_file(log);

  const fs::path raw = root / "store/test/raw/cah-chatty/0.1.0";
  const fs::path page = root / "store/test/logs/cah-chatty/0.1.0";
  ASSERT_TRUE(fs::exists(raw)) << read_file(log);
  EXPECT_GT(fs::file_size(raw), uint64_t{512} << 20);  // 512 MiB, plus CR for every LF
  EXPECT_GT(fs::file_size(page), uint64_t{512} << 20);
  const std::string record = read_file(root / "store/test/results/cah-chatty/0.1.0.json");
  EXPECT_NE(record.find("\"outcome\": \"passed\""), std::string::npos) << record;
  // The whole server, catalogue and Docker client pipes included.
  EXPECT_LT(finished.max_rss_kib, 64 * 1024) << "peak RSS " << finished.max_rss_kib << " KiB";
  fs::remove_all(root);
}

/// A directory registry entry NAME-0.1.0 holding tests/crates/SOURCE renamed
/// NAME, with the checksum file cargo wants of a directory source.
void add_crate(const fs::path& registry, const std::string& name, const std::string& source) {
  const fs::path folder = registry / (name + "-0.1.0");
  fs::create_directories(folder);
  fs::copy(fs::path(CAH_SOURCE_DIR) / "tests/crates" / source, folder, fs::copy_options::recursive);
  std::string manifest = read_file(folder / "Cargo.toml");
  const std::string from = "name = \"" + source + "\"";
  manifest.replace(manifest.find(from), from.size(), "name = \"" + name + "\"");
  std::ofstream(folder / "Cargo.toml", std::ios::trunc) << manifest;
  std::ofstream(folder / ".cargo-checksum.json") << R"({"files":{},"package":""})";
}

// One worker runs a crate that touches 1.5 GiB, then a tiny one: the tiny
// one's record must not carry the big one's peak (the worker cgroup's
// lifetime maximum did, before issue 12).
TEST(RunMemory, EachCratesPeakIsItsOwnInASharedWorker) {
  const fs::path root = fs::temp_directory_path() / ("cah-run-peak-" + std::to_string(getpid()));
  fs::remove_all(root);
  // A list's crates run most downloaded first, then by name: a directory
  // registry has no downloads, so the names set the order.
  add_crate(root / "registry", "cah-a-big-alloc", "cah-big-alloc");
  add_crate(root / "registry", "cah-b-hello", "cah-hello");
  std::ofstream(root / "crates") << "cah-b-hello\ncah-a-big-alloc\n";
  const fs::path log = root / "run.log";
  const Finished finished = run_binary(
      {"run", "--tool=test", "--tools", (fs::path(CAH_SOURCE_DIR) / "tools.toml").string(),
       "--jobs=1", "--registry", (root / "registry").string(), "--crate-list",
       (root / "crates").string(), "--store", "file://" + (root / "store").string(),
       "--worker-prefix", "cah-peak-" + std::to_string(getpid()), "--memory-limit-gb", "3",
       // One preparation at a time: the big crate is ready first.
       "--prepare-jobs", "1", "--cache", (root / "cache").string()},
      log);
  ASSERT_EQ(finished.status, 0) << read_file(log);
  const std::string said = read_file(log);
  const size_t big_started = said.find("cah-a-big-alloc 0.1.0: started on worker 0");
  const size_t tiny_started = said.find("cah-b-hello 0.1.0: started on worker 0");
  ASSERT_NE(big_started, std::string::npos) << said;
  ASSERT_NE(tiny_started, std::string::npos) << said;
  ASSERT_LT(big_started, tiny_started) << said;

  const auto record = [&](const std::string& name) {
    return nlohmann::json::parse(read_file(root / "store/test/results" / name / "0.1.0.json"));
  };
  const nlohmann::json big = record("cah-a-big-alloc");
  const nlohmann::json tiny = record("cah-b-hello");
  ASSERT_EQ(big["outcome"], "passed") << big.dump(2);
  ASSERT_EQ(tiny["outcome"], "passed") << tiny.dump(2);
  EXPECT_NE(read_file(root / "store/test/raw/cah-a-big-alloc/0.1.0").find("touched 1536 MiB"),
            std::string::npos);

  constexpr uint64_t kMiB = uint64_t{1} << 20;
  EXPECT_GE(big["peak_memory_bytes"].get<uint64_t>(), 1400 * kMiB) << big.dump(2);
  EXPECT_LT(tiny["peak_memory_bytes"].get<uint64_t>(), 200 * kMiB) << tiny.dump(2);
  EXPECT_GT(tiny["peak_memory_bytes"].get<uint64_t>(), 10 * kMiB) << tiny.dump(2);
  // The figure says how it was made (in the agent's answer, kept in the
  // record). Under Docker's read-only cgroupfs nothing can be reset: the big
  // crate raised its worker's peak, the tiny one was sampled. An engine
  // that lets the agent reset the peak gives an exact figure for both.
  const std::set<std::string> reset = {"cgroup-peak", "cgroup-max-usage"};
  const auto source = [](const nlohmann::json& r) {
    return r["job"]["peak_memory_source"].get<std::string>();
  };
  EXPECT_TRUE(reset.contains(source(big)) || source(big) == "cgroup-lifetime-peak") << big.dump(2);
  EXPECT_TRUE(reset.contains(source(tiny)) || source(tiny) == "sampled") << tiny.dump(2);
  if (source(tiny) == "sampled") {
    EXPECT_GE(tiny["job"]["peak_memory_sample_ms"], 5) << tiny.dump(2);
  }
  fs::remove_all(root);
}

}  // namespace
