// The crater-at-home binary as a user runs it.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Finished {
  int status;
  std::string output;  // stdout and stderr
};

enum class Capture { kBoth, kStdout, kStderr };

// Runs a shell command; `output` is what it wrote to the captured streams.
Finished run(const std::string& shell_command, Capture capture = Capture::kBoth) {
  const char* redirect = capture == Capture::kBoth     ? " 2>&1"
                         : capture == Capture::kStdout ? " 2>/dev/null"
                                                       : " 2>&1 >/dev/null";
  const std::string command = shell_command + redirect;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  Finished result{-1, ""};
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cah-cli-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string cah() const { return CAH_BINARY; }
  fs::path dir_;
};

TEST_F(Cli, RenderWritesAPage) {
  std::ofstream(dir_ / "raw.log") << "\x1b[31mred\x1b[0m <b>\r\nerror: Undefined Behavior: x\r\n";
  const Finished r = run(cah() + " render " + (dir_ / "raw.log").string() + " -o " +
                         (dir_ / "page.html").string() + " --title 'my <crate>'");
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string html = read_file(dir_ / "page.html");
  EXPECT_NE(html.find("<title>my &lt;crate&gt;</title>"), std::string::npos);
  EXPECT_NE(html.find("<pre><span class=\"f1\">red</span> &lt;b&gt;\n<span id=\"ub\"></span>"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "page.html.tmp"));
}

TEST_F(Cli, RenderReadsStdinAndWritesStdout) {
  const Finished r = run("printf 'a\\r\\n' | " + cah() + " render -");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("<title>log</title>"), std::string::npos);
  EXPECT_NE(r.output.find("<pre>a\n</pre>"), std::string::npos);
}

TEST_F(Cli, RenderToADeviceWritesInPlace) {
  // Rendering to /dev/null must not replace /dev/null with a file.
  const Finished r = run("printf 'a' | " + cah() + " render -o /dev/null");
  ASSERT_EQ(r.status, 0) << r.output;
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(Cli, RenderOfAMissingFileFailsClearlyAndKeepsTheOldPage) {
  std::ofstream(dir_ / "page.html") << "old";
  const Finished r = run(cah() + " render " + (dir_ / "missing.log").string() + " -o " +
                         (dir_ / "page.html").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("cannot open " + (dir_ / "missing.log").string() +
                          ": No such file or directory"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(read_file(dir_ / "page.html"), "old");
}

TEST_F(Cli, PtyCopiesTheBytesAndRendersThePage) {
  const Finished r = run(cah() + " pty --html " + (dir_ / "p.html").string() +
                         R"( -- sh -c 'printf "\033[32mok\033[0m\n"; exit 7')");
  EXPECT_EQ(r.status, 7);
  EXPECT_EQ(r.output, "\x1b[32mok\x1b[0m\r\n");
  const std::string html = read_file(dir_ / "p.html");
  EXPECT_NE(html.find("<pre><span class=\"f2\">ok</span>\n</pre>"), std::string::npos) << html;
}

TEST_F(Cli, PtyReportsAKilledCommandAs128PlusSignal) {
  EXPECT_EQ(run(cah() + " pty -- sh -c 'kill -TERM $$'").status, 128 + 15);
}

TEST_F(Cli, PtyOfAMissingCommandFailsClearly) {
  const Finished r = run(cah() + " pty -- no-such-command-here");
  EXPECT_EQ(r.status, 127);
  EXPECT_NE(r.output.find("cannot run 'no-such-command-here': No such file or directory"),
            std::string::npos)
      << r.output;
}

TEST_F(Cli, UnknownSubcommandIsAnError) {
  const Finished r = run(cah() + " frobnicate");
  EXPECT_NE(r.status, 0);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

const char* const kDebianRegistry = "/usr/share/cargo/registry";

TEST_F(Cli, CratesListsEveryCrateOfALocalRegistry) {
  std::set<std::string> folders;
  for (const auto& entry : fs::directory_iterator(kDebianRegistry)) folders.insert(entry.path());
  ASSERT_FALSE(folders.empty()) << "the test set-up must install librust-*-dev packages";
  const Finished r = run(cah() + " crates --registry " + kDebianRegistry, Capture::kStdout);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto lines = lines_of(r.output);
  ASSERT_GT(lines.size(), 1u);
  EXPECT_EQ(lines[0].substr(0, 4), "name");
  // One line per crate; Debian has a folder per crate and version.
  std::set<std::string> names;
  for (size_t i = 1; i < lines.size(); ++i) names.insert(lines[i].substr(0, lines[i].find(' ')));
  EXPECT_EQ(names.size(), lines.size() - 1);
  EXPECT_LE(names.size(), folders.size());
  EXPECT_GE(names.size(), folders.size() * 9 / 10);
}

TEST_F(Cli, CrateListErrorsAreOneLineEachAndTheGoodEntriesStillCount) {
  std::ofstream(dir_ / "list.txt") << "regex nosuch-crate-xyz\nbad@ 1nope regex@0.0.1\n";
  const std::string command = cah() + " crates --registry " + kDebianRegistry + " --crate-list " +
                              (dir_ / "list.txt").string();
  const Finished out = run(command, Capture::kStdout);
  const Finished err = run(command, Capture::kStderr);
  EXPECT_EQ(out.status, 1);
  const auto listed = lines_of(out.output);
  ASSERT_EQ(listed.size(), 2u) << out.output;
  EXPECT_EQ(listed[1].substr(0, 6), "regex ");
  std::vector<std::string> errors;
  for (const auto& line : lines_of(err.output)) {
    if (line.find("error:") != std::string::npos) errors.push_back(line);
  }
  ASSERT_EQ(errors.size(), 4u) << err.output;
  EXPECT_NE(errors[0].find("list.txt:2: 'bad@'"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("list.txt:2: '1nope'"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("unknown crate 'nosuch-crate-xyz'"), std::string::npos) << errors[2];
  EXPECT_NE(errors[3].find("unknown version 'regex@0.0.1'"), std::string::npos) << errors[3];
}

TEST_F(Cli, SyncCatalogueWritesTheSnapshotThatCratesReads) {
  const std::string store = "file://" + (dir_ / "store").string();
  const Finished first =
      run(cah() + " sync-catalogue --registry " + kDebianRegistry + " --store " + store);
  ASSERT_EQ(first.status, 0) << first.output;
  const std::string crates_json = read_file(dir_ / "store/crates.json");
  EXPECT_EQ(crates_json.substr(0, 3), "[[\"");
  EXPECT_EQ(read_file(dir_ / "store/downloads.json").substr(0, 2), "{\"");

  const Finished again =
      run(cah() + " sync-catalogue --registry " + kDebianRegistry + " --store " + store);
  EXPECT_EQ(again.status, 0);
  EXPECT_NE(again.output.find("nothing to do"), std::string::npos) << again.output;

  const Finished listed = run(cah() + " crates --crates 3 --store " + store, Capture::kStdout);
  ASSERT_EQ(listed.status, 0) << listed.output;
  EXPECT_EQ(lines_of(listed.output).size(), 4u) << listed.output;
}

// A small dump in crates.io's format, read from a URL (downloaded to the
// cache first) and from a file.
TEST_F(Cli, CratesReadsADbDumpFromAUrl) {
  const fs::path data = dir_ / "2026-11-30-020000/data";
  fs::create_directories(data);
  std::ofstream(data / "crates.csv")
      << "id,name,description\n1,alpha,\"multi\nline, \"\"quoted\"\"\"\n"
         "2,beta,plain\n3,gamma,all yanked\n";
  std::ofstream(data / "versions.csv") << "checksum,crate_id,id,num,yanked\n"
                                       << std::string(64, 'a') << ",1,10,1.0.0,f\n"
                                       << std::string(64, 'b') << ",1,11,2.0.0-rc.1,f\n"
                                       << std::string(64, 'c') << ",2,12,0.3.0,f\n"
                                       << std::string(64, 'd') << ",2,13,0.4.0,t\n"
                                       << std::string(64, 'e') << ",3,14,1.0.0,t\n";
  std::ofstream(data / "version_downloads.csv")
      << "date,downloads,version_id\n2026-11-29,5,10\n2026-11-29,7,11\n2026-11-28,40,12\n";
  ASSERT_EQ(run("tar czf " + (dir_ / "db-dump.tar.gz").string() + " -C " + dir_.string() +
                " 2026-11-30-020000")
                .status,
            0);
  const std::string env = "XDG_CACHE_HOME=" + (dir_ / "cache").string() + " ";
  const Finished r =
      run(env + cah() + " crates --db-dump file://" + (dir_ / "db-dump.tar.gz").string(),
          Capture::kStdout);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(lines_of(r.output),
            (std::vector<std::string>{"name   version  downloads", "beta   0.3.0    40",
                                      "alpha  1.0.0    12"}));
  size_t cached = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / "cache/crater-at-home")) {
    cached += entry.path().filename().string().starts_with("db-dump-");
  }
  EXPECT_EQ(cached, 1u);
  // A second look within a day uses the cached copy.
  const Finished again =
      run(env + cah() + " crates --db-dump file://" + (dir_ / "db-dump.tar.gz").string(),
          Capture::kStderr);
  EXPECT_NE(again.output.find("less than 24 h ago"), std::string::npos) << again.output;
  const Finished from_file = run(
      cah() + " crates --rev --db-dump " + (dir_ / "db-dump.tar.gz").string(), Capture::kStdout);
  EXPECT_EQ(lines_of(from_file.output)[1], "alpha  1.0.0    12");
}

// A dump that arrives cut short (a half-uploaded file on the server) is
// refused and not cached: once the server has the whole file, the next
// look downloads it again rather than failing for 24 hours.
TEST_F(Cli, ATruncatedDbDumpDownloadIsNeverCached) {
  const fs::path data = dir_ / "dump/2026-11-30-020000/data";
  fs::create_directories(data);
  std::ofstream(data / "crates.csv") << "id,name\n1,alpha\n";
  std::ofstream(data / "versions.csv") << "checksum,crate_id,id,num,yanked\n"
                                       << std::string(64, 'a') << ",1,10,1.0.0,f\n";
  // Large enough that half of it is cut inside the tar, not in the gzip
  // trailer.
  std::ofstream downloads(data / "version_downloads.csv");
  downloads << "date,downloads,version_id\n";
  for (int day = 0; day < 4000; ++day) downloads << "2026-11-29," << day << ",10\n";
  downloads.close();
  const fs::path whole = dir_ / "whole.tar.gz";
  ASSERT_EQ(
      run("tar czf " + whole.string() + " -C " + (dir_ / "dump").string() + " 2026-11-30-020000")
          .status,
      0);
  const std::string bytes = read_file(whole);
  const fs::path served = dir_ / "db-dump.tar.gz";
  std::ofstream(served, std::ios::binary) << bytes.substr(0, bytes.size() / 2);

  const std::string command = "XDG_CACHE_HOME=" + (dir_ / "cache").string() + " " + cah() +
                              " crates --db-dump file://" + served.string();
  const Finished cut = run(command);
  EXPECT_EQ(cut.status, 1) << cut.output;
  EXPECT_NE(cut.output.find("cannot be read, and is not kept"), std::string::npos) << cut.output;
  for (const auto& entry : fs::directory_iterator(dir_ / "cache/crater-at-home")) {
    EXPECT_FALSE(entry.path().filename().string().starts_with("db-dump-")) << entry.path();
    EXPECT_FALSE(entry.path().filename().string().starts_with(".db-dump-")) << entry.path();
  }

  std::ofstream(served, std::ios::binary | std::ios::trunc) << bytes;
  const Finished mended = run(command, Capture::kStdout);
  ASSERT_EQ(mended.status, 0) << mended.output;
  EXPECT_EQ(lines_of(mended.output).size(), 2u) << mended.output;
  EXPECT_EQ(lines_of(mended.output)[1].substr(0, 6), "alpha ") << mended.output;

  // A cached copy damaged since is read, refused, and downloaded again.
  for (const auto& entry : fs::directory_iterator(dir_ / "cache/crater-at-home")) {
    if (entry.path().filename().string().starts_with("db-dump-")) {
      std::ofstream(entry.path(), std::ios::binary | std::ios::trunc) << "not a dump";
    }
  }
  const Finished again = run(command);
  EXPECT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("cannot be read"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("downloading it again"), std::string::npos) << again.output;
}

TEST_F(Cli, CratesWithoutACatalogueSaysWhatToDo) {
  const Finished r = run(cah() + " crates --store file://" + (dir_ / "empty").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("run `crater-at-home sync-catalogue`"), std::string::npos) << r.output;
}

// A real cargo build through the pty: cargo sees a terminal and colours its
// output, and the page shows the final state of its progress line.
TEST_F(Cli, RealCargoBuildThroughThePty) {
  std::string cargo;
  for (const char* candidate : {"cargo", "/root/.cargo/bin/cargo"}) {
    if (run(std::string(candidate) + " --version").status == 0) {
      cargo = candidate;
      break;
    }
  }
  if (cargo.empty()) GTEST_SKIP() << "no cargo on this machine";
  fs::create_directories(dir_ / "demo/src");
  std::ofstream(dir_ / "demo/Cargo.toml")
      << "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
  std::ofstream(dir_ / "demo/src/lib.rs") << "pub fn f() { let unused = 1; }\n";
  const Finished r =
      run("cd " + (dir_ / "demo").string() + " && CARGO_TARGET_DIR=" + (dir_ / "target").string() +
          " " + cah() + " pty --html " + (dir_ / "cargo.html").string() + " -- " + cargo +
          " build --offline");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("\x1b["), std::string::npos) << "cargo did not see a terminal";
  const std::string html = read_file(dir_ / "cargo.html");
  // Bold green, plain (f2) or bright (f10) depending on cargo's version.
  const std::regex compiling(R"re(<span class="b f(2|10)">   Compiling</span> demo v0\.1\.0)re");
  const std::regex finished(R"re(<span class="b f(2|10)">    Finished</span>)re");
  EXPECT_TRUE(std::regex_search(html, compiling)) << html;
  EXPECT_TRUE(std::regex_search(html, finished)) << html;
  EXPECT_NE(html.find("warning</span>"), std::string::npos) << html;
  EXPECT_EQ(html.find("Building ["), std::string::npos) << "progress line left in the page";
}

// A record as `run` stored it before the one outcome vocabulary (sync
// reads it and stores it again in today's shape).
std::string record_json(const std::string& crate) {
  return R"({"tool": "miri", "toolchain": "nightly", "crate": ")" + crate +
         R"(", "version": "1.0.0",
  "outcome": "failed", "error": null, "started": "2026-11-30T00:53:20Z",
  "wall_seconds": 2.5, "peak_memory_bytes": 1000, "attempts": 1, "log_bytes": 40,
  "renderer_version": 1, "diagnosis_version": 1,
  "diagnosis": {"version": 1, "outcome": "test-failed", "causes": [], "spurious": []},
  "job": {"commands": [{"exit_code": 101, "signal": null, "wall_seconds": 2.0}],
          "timed_out": null, "oom_killed": false, "wall_seconds": 2.4, "peak_memory_bytes": 1000}
})";
}

/// Puts crate `crate` 1.0.0 of run `run` in the file store at `store`.
void put_result(const fs::path& store, const std::string& run, const std::string& crate) {
  fs::create_directories(store / run / "raw" / crate);
  fs::create_directories(store / run / "results" / crate);
  std::ofstream(store / run / "raw" / crate / "1.0.0") << "test result: FAILED. 1 failed\r\n";
  std::ofstream(store / run / "results" / crate / "1.0.0.json") << record_json(crate);
}

// One truncated record and an unreadable catalogue snapshot cost only
// themselves: each is named in a warning and counted, the rest of the site
// is published, and the exit status (3) says something was left out.
TEST_F(Cli, SyncSkipsObjectsItCannotReadNamesThemAndPublishesTheRest) {
  const fs::path store = dir_ / "store";
  put_result(store, "miri", "a");
  put_result(store, "miri", "b");
  put_result(store, "miri", "c");
  const std::string good = record_json("b");
  std::ofstream(store / "miri/results/b/1.0.0.json", std::ios::trunc)
      << good.substr(0, good.size() / 2);
  std::ofstream(store / "crates.json") << "[[\"a\", \"1.0";
  std::ofstream(store / "downloads.json") << "{\"a\": 5}";
  // --db-dump that does not exist: the snapshot cannot be made again.
  const std::string command = "XDG_CACHE_HOME=" + (dir_ / "cache").string() + " " + cah() +
                              " sync --tool miri --store file://" + store.string() + " --db-dump " +
                              (dir_ / "no-dump.tar.gz").string();
  const Finished out = run(command, Capture::kStdout);
  const Finished err = run(command, Capture::kStderr);
  EXPECT_EQ(out.status, 3) << out.output << err.output;
  EXPECT_NE(err.output.find("warning: skipped miri/results/b/1.0.0.json: bad result record"),
            std::string::npos)
      << err.output;
  EXPECT_NE(err.output.find("warning: skipped crates.json: malformed catalogue snapshot"),
            std::string::npos)
      << err.output;
  EXPECT_NE(out.output.find("miri: 2 objects skipped, see warnings"), std::string::npos)
      << out.output;
  const std::string results = read_file(store / "miri/results.json");
  EXPECT_NE(results.find("\"crate\":\"a\""), std::string::npos) << results;
  EXPECT_NE(results.find("\"crate\":\"c\""), std::string::npos) << results;
  EXPECT_EQ(results.find("\"crate\":\"b\""), std::string::npos) << results;
  EXPECT_TRUE(fs::exists(store / "miri/index.html"));
  EXPECT_TRUE(fs::exists(store / "miri/logs/c/1.0.0"));

  // Mended, the next sync has nothing to skip.
  std::ofstream(store / "miri/results/b/1.0.0.json", std::ios::trunc) << good;
  std::ofstream(store / "crates.json", std::ios::trunc) << "[[\"a\", \"1.0.0\"]]";
  const Finished mended = run(command, Capture::kStdout);
  EXPECT_EQ(mended.status, 0) << mended.output;
  EXPECT_EQ(mended.output.find("skipped"), std::string::npos) << mended.output;
}

// A typo in --tool publishes nothing: exit 2, naming the runs with results
// and the tools. A run made with `run --name` is known by its results.
TEST_F(Cli, SyncAndCompareRefuseAnUnknownRunListingTheKnownOnes) {
  const fs::path store = dir_ / "store";
  put_result(store, "mine", "a");
  std::ofstream(store / "crates.json") << "[[\"a\", \"1.0.0\"]]";
  std::ofstream(store / "downloads.json") << "{\"a\": 5}";
  const std::string in_store = " --store file://" + store.string();
  const Finished typo = run(cah() + " sync --tool chekc" + in_store);
  EXPECT_EQ(typo.status, 2) << typo.output;
  EXPECT_NE(typo.output.find("unknown run 'chekc'"), std::string::npos) << typo.output;
  EXPECT_NE(typo.output.find("runs with results: mine;"), std::string::npos) << typo.output;
  EXPECT_NE(typo.output.find("miri"), std::string::npos) << typo.output;
  EXPECT_NE(typo.output.find("check"), std::string::npos) << typo.output;
  EXPECT_FALSE(fs::exists(store / "chekc"));

  const Finished named = run(cah() + " sync --name mine" + in_store);
  EXPECT_EQ(named.status, 0) << named.output;
  EXPECT_TRUE(fs::exists(store / "mine/index.html"));
  // A tool of tools.toml with no results yet is known: its site is empty.
  const Finished tool = run(cah() + " sync --tool clippy" + in_store);
  EXPECT_EQ(tool.status, 0) << tool.output;

  const Finished compare = run(cah() + " compare mine mien" + in_store);
  EXPECT_EQ(compare.status, 2) << compare.output;
  EXPECT_NE(compare.output.find("unknown run 'mien'"), std::string::npos) << compare.output;
  EXPECT_NE(compare.output.find("runs with results: mine"), std::string::npos) << compare.output;
}

}  // namespace
