#include "cli/output_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace cli {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class OutputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cah-output-file-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::set<std::string> names() const {
    std::set<std::string> found;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      found.insert(entry.path().filename().string());
    }
    return found;
  }
  fs::path dir_;
};

TEST_F(OutputFileTest, FollowsNoLinkPlantedAtATemporaryName) {
  const fs::path victim = dir_ / "victim";
  std::ofstream(victim) << "precious";
  const fs::path out = dir_ / "page.html";
  // Every name an earlier version or a guess would use.
  for (const std::string name : {"page.html.tmp", ".page.html.tmp", "page.html.tmp-XXXXXX",
                                 ".page.html.tmp-XXXXXX", ".page.html.tmp-000000"}) {
    fs::create_symlink(victim, dir_ / name);
  }
  const std::set<std::string> before = names();
  {
    OutputFile file(out.string());
    file.write("<p>page</p>");
    file.commit();
  }
  EXPECT_EQ(read_file(victim), "precious");
  EXPECT_FALSE(fs::is_symlink(out));
  EXPECT_EQ(read_file(out), "<p>page</p>");
  for (const std::string& name : before) {
    if (name != "victim") EXPECT_TRUE(fs::is_symlink(dir_ / name)) << name;
  }
  std::set<std::string> after = names();
  after.erase("page.html");
  EXPECT_EQ(after, before) << "a temporary was left behind";
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  const mode_t mask = ::umask(022);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0644 & ~mask);
}

TEST_F(OutputFileTest, TwoWritersLeaveOneWholePage) {
  const fs::path out = dir_ / "page.html";
  const std::string chunk_a(4096, 'a');
  const std::string chunk_b(4096, 'b');
  for (int round = 0; round < 20; ++round) {
    std::vector<std::thread> writers;
    std::atomic<int> failures = 0;
    for (const std::string* chunk : {&chunk_a, &chunk_b}) {
      writers.emplace_back([&, chunk] {
        try {
          OutputFile file(out.string());
          for (int i = 0; i < 64; ++i) {
            file.write(*chunk);
            std::this_thread::yield();
          }
          file.commit();
        } catch (const std::exception&) {
          ++failures;
        }
      });
    }
    for (std::thread& writer : writers) writer.join();
    EXPECT_EQ(failures, 0);
    const std::string page = read_file(out);
    ASSERT_EQ(page.size(), 64u * 4096) << "round " << round;
    EXPECT_TRUE(page.find_first_not_of(page[0]) == std::string::npos) << "round " << round;
    EXPECT_EQ(names(), std::set<std::string>{"page.html"});
  }
}

TEST_F(OutputFileTest, LeavesTheOldFileAndNoTemporaryWithoutCommit) {
  const fs::path out = dir_ / "page.html";
  std::ofstream(out) << "old";
  {
    OutputFile file(out.string());
    file.write("half");
  }
  EXPECT_EQ(read_file(out), "old");
  EXPECT_EQ(names(), std::set<std::string>{"page.html"});
}

TEST_F(OutputFileTest, WritesARelativeName) {
  const fs::path cwd = fs::current_path();
  fs::current_path(dir_);
  {
    OutputFile file("page.html");
    file.write("x");
    file.commit();
  }
  fs::current_path(cwd);
  EXPECT_EQ(read_file(dir_ / "page.html"), "x");
  EXPECT_EQ(names(), std::set<std::string>{"page.html"});
}

}  // namespace
}  // namespace cli
