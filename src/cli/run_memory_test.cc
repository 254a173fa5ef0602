// `run` keeps its memory bounded whatever a log's size: a crate printing
// 512 MiB goes to the store as it comes, raw and rendered, while the
// server's peak RSS stays a few megabytes.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
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

}  // namespace
