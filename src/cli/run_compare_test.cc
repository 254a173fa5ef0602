// `run --name` twice with two variants of one tool that differ in a single
// flag (`--cfg cah_strict`), then `compare`: real crates through Docker
// workers, each written so the flag moves it into a known category.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sandbox/child_process.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Two tools alike but for RUSTFLAGS.
constexpr std::string_view kTools = R"(
[tools.cmp-base]
description = "cargo test"
toolchain = "stable"
timeout = "10m"
no_output_timeout = "5m"
env = { RUSTFLAGS = "--cap-lints=warn" }

[[tools.cmp-base.commands]]
args = ["cargo", "+{toolchain}", "test", "--no-fail-fast", "{crate_args}"]

[tools.cmp-strict]
description = "cargo test with --cfg cah_strict"
toolchain = "stable"
timeout = "10m"
no_output_timeout = "5m"
env = { RUSTFLAGS = "--cap-lints=warn --cfg cah_strict" }

[[tools.cmp-strict.commands]]
args = ["cargo", "+{toolchain}", "test", "--no-fail-fast", "{crate_args}"]
)";

constexpr std::string_view kRace =
    "error: Undefined Behavior: Data race detected between (1) non-atomic write on thread `a` "
    "and (2) non-atomic read on thread `b`";
constexpr std::string_view kUninit =
    "error: Undefined Behavior: using uninitialized data, but this operation requires "
    "initialized memory";

/// A test that writes `line` (if any) straight to stderr, past the test
/// harness's capture, then fails if `fail`.
std::string test_that(std::string_view base_line, std::string_view strict_line, bool base_fails,
                      bool strict_fails) {
  const auto branch = [](std::string_view line, bool fail) {
    std::string body;
    if (!line.empty()) {
      body += "        std::io::stderr().write_all(b\"" + std::string(line) + "\\n\").unwrap();\n";
    }
    if (fail) body += "        panic!(\"failed on purpose\");\n";
    return body;
  };
  return "#[cfg(test)]\nmod tests {\n    use std::io::Write;\n    #[test]\n    fn t() {\n"
         "        #[cfg(cah_strict)]\n        {\n" +
         branch(strict_line, strict_fails) +
         "        }\n        #[cfg(not(cah_strict))]\n        {\n" + branch(base_line, base_fails) +
         "        }\n    }\n}\n";
}

/// NAME-0.1.0/ of a directory registry, with `lib` as src/lib.rs.
void add_crate(const fs::path& registry, const std::string& name, const std::string& lib) {
  const fs::path folder = registry / (name + "-0.1.0");
  write_file(folder / "Cargo.toml", "[package]\nname = \"" + name +
                                        "\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"
                                        "[lib]\npath = \"src/lib.rs\"\ndoctest = false\n");
  write_file(folder / "src/lib.rs", "pub fn f() -> u32 { 1 }\n" + lib);
  write_file(folder / ".cargo-checksum.json", R"({"files":{},"package":""})");
}

std::vector<std::string> crates_of(const json& list) {
  std::vector<std::string> out;
  for (const json& entry : list) out.push_back(entry.at("crate").get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

class RunCompareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = fs::temp_directory_path() /
               ("cah-run-compare-" + std::to_string(getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(scratch_);
    fs::create_directories(scratch_);
  }
  // CAH_KEEP_SCRATCH=1 keeps the store, to look at the pages.
  void TearDown() override {
    if (std::getenv("CAH_KEEP_SCRATCH") == nullptr) fs::remove_all(scratch_);
  }

  sandbox::CommandOutput crater(std::vector<std::string> args, std::chrono::seconds timeout) {
    args.insert(args.begin(), CAH_BINARY);
    return sandbox::run_to_end(args, timeout);
  }
  /// What every `run` is given, here and in compare's retries.
  std::vector<std::string> run_args() const {
    return {"--tools",
            (scratch_ / "tools.toml").string(),
            "--registry",
            (scratch_ / "registry").string(),
            "--cache",
            (scratch_ / "cache").string(),
            "--worker-prefix",
            "cah-compare-" + std::to_string(getpid()),
            "--jobs",
            "2",
            "--memory-limit-gb",
            "2"};
  }
  sandbox::CommandOutput run(const std::string& tool, const std::string& name,
                             const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"run", "--tool", tool, "--name", name, "--store", store_url()};
    for (const std::string& arg : run_args()) args.push_back(arg);
    for (const std::string& arg : extra) args.push_back(arg);
    return crater(args, std::chrono::seconds(900));
  }
  std::string store_url() const { return "file://" + (scratch_ / "store").string(); }

  fs::path scratch_;
};

TEST_F(RunCompareTest, TwoVariantsOfAToolCompared) {
  write_file(scratch_ / "tools.toml", kTools);
  const fs::path registry = scratch_ / "registry";
  add_crate(registry, "cmp-same", test_that("", "", false, false));
  add_crate(registry, "cmp-always-fails", test_that("", "", true, true));
  add_crate(registry, "cmp-regress", "#[cfg(cah_strict)]\ncompile_error!(\"strict\");\n");
  add_crate(registry, "cmp-fix", "#[cfg(not(cah_strict))]\ncompile_error!(\"not strict\");\n");
  add_crate(registry, "cmp-new-ub", test_that("", kRace, true, true));
  add_crate(registry, "cmp-ub-gone", test_that(kRace, "", true, true));
  add_crate(registry, "cmp-ub-changed", test_that(kRace, kUninit, true, true));
  add_crate(
      registry, "cmp-differently",
      "#[cfg(not(cah_strict))]\ncompile_error!(\"not strict\");\n" + test_that("", "", true, true));

  const sandbox::CommandOutput before = run("cmp-base", "before");
  ASSERT_TRUE(before.status.success()) << before.err << before.out;
  const sandbox::CommandOutput after = run("cmp-strict", "after");
  ASSERT_TRUE(after.status.success()) << after.err << after.out;

  // Each record says what it ran with.
  const json record =
      json::parse(read_file(scratch_ / "store/after/results/cmp-regress/0.1.0.json"));
  EXPECT_EQ(record["tool"], "after");
  EXPECT_EQ(record["tool_name"], "cmp-strict");
  EXPECT_EQ(record["flags"]["RUSTFLAGS"], "--cap-lints=warn --cfg cah_strict");
  EXPECT_EQ(record["toolchain_commit"].get<std::string>().size(), 40u) << record.dump();
  EXPECT_FALSE(fs::exists(scratch_ / "store/cmp-strict"));
  EXPECT_TRUE(fs::exists(scratch_ / "store/after/index.html"));
  // sync finds the run by its name too.
  const sandbox::CommandOutput synced = crater({"sync", "--name", "after", "--store", store_url(),
                                                "--no-archives", "--registry", registry.string()},
                                               std::chrono::seconds(120));
  ASSERT_TRUE(synced.status.success()) << synced.err;
  EXPECT_NE(synced.out.find("after: 8 results, 8 unchanged"), std::string::npos) << synced.out;

  const sandbox::CommandOutput compared =
      crater({"compare", "before", "after", "--store", store_url()}, std::chrono::seconds(120));
  ASSERT_TRUE(compared.status.success()) << compared.err << compared.out;
  EXPECT_NE(compared.out.find("8 crates both ran (8 compared"), std::string::npos) << compared.out;

  const fs::path dir = scratch_ / "store/compare/before..after";
  const json out = json::parse(read_file(dir / "compare.json"));
  using Names = std::vector<std::string>;
  EXPECT_EQ(crates_of(out["crates"]["regressed"]), Names{"cmp-regress"}) << out.dump(1);
  EXPECT_EQ(crates_of(out["crates"]["fixed"]), Names{"cmp-fix"});
  EXPECT_EQ(crates_of(out["crates"]["new-ub"]), Names{"cmp-new-ub"});
  EXPECT_EQ(crates_of(out["crates"]["ub-gone"]), Names{"cmp-ub-gone"});
  EXPECT_EQ(crates_of(out["crates"]["ub-changed"]), Names{"cmp-ub-changed"});
  EXPECT_EQ(crates_of(out["crates"]["failed-differently"]), Names{"cmp-differently"});
  EXPECT_EQ(crates_of(out["crates"]["unchanged"]), (Names{"cmp-always-fails", "cmp-same"}));
  EXPECT_EQ(out["b"]["flags"]["RUSTFLAGS"], "--cap-lints=warn --cfg cah_strict");

  const std::string index = read_file(dir / "index.html");
  for (const char* section :
       {"regressed", "fixed", "new-ub", "ub-gone", "ub-changed", "failed-differently"}) {
    EXPECT_NE(index.find("<section id=\"" + std::string(section) + "\">"), std::string::npos)
        << section;
  }
  EXPECT_NE(index.find("href=\"../../after/logs/cmp-regress/0.1.0\""), std::string::npos);
  // The side-by-side page marks where the logs part: the strict build's error.
  const std::string page = read_file(dir / "cmp-regress/0.1.0.html");
  const size_t marked = page.find("id=\"diff-b\"");
  ASSERT_NE(marked, std::string::npos);
  EXPECT_NE(page.find("strict", marked), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "cmp-same/0.1.0.html"));

  // Again: nothing new to read.
  const sandbox::CommandOutput again =
      crater({"compare", "before", "after", "--store", store_url()}, std::chrono::seconds(60));
  ASSERT_TRUE(again.status.success()) << again.err;
  EXPECT_NE(again.out.find("8 crates both ran (0 compared, 8 unchanged since last time)"),
            std::string::npos)
      << again.out;
}

// A crate that fails one time in eight under --cfg cah_strict (a byte of
// /dev/urandom) is flaky, not regressed, when compare runs it again; a
// crate that always fails under the flag stays regressed.
TEST_F(RunCompareTest, RetriesTellAFlakyCrateFromARegression) {
  write_file(scratch_ / "tools.toml", kTools);
  const fs::path registry = scratch_ / "registry";
  add_crate(registry, "cmp-regress", "#[cfg(cah_strict)]\ncompile_error!(\"strict\");\n");
  add_crate(
      registry, "cmp-flaky",
      "#[cfg(test)]\nmod tests {\n    use std::io::Read;\n    #[test]\n    fn t() {\n"
      "        let mut byte = [0u8; 1];\n"
      "        std::fs::File::open(\"/dev/urandom\").unwrap().read_exact(&mut byte).unwrap();\n"
      "        eprintln!(\"random byte {}\", byte[0]);\n"
      "        if cfg!(cah_strict) { assert!(byte[0] % 8 != 0, \"one time in eight\"); }\n"
      "    }\n}\n");
  ASSERT_TRUE(run("cmp-base", "before").status.success());
  ASSERT_TRUE(run("cmp-strict", "after").status.success());
  // Until the strict run of cmp-flaky happens to fail: then it looks regressed.
  const fs::path record = scratch_ / "store/after/results/cmp-flaky/0.1.0.json";
  write_file(scratch_ / "flaky.txt", "cmp-flaky\n");
  for (int i = 0; i < 80 && json::parse(read_file(record))["outcome"] == "passed"; ++i) {
    ASSERT_TRUE(
        run("cmp-strict", "after", {"--crate-list", (scratch_ / "flaky.txt").string(), "--rerun"})
            .status.success());
  }
  ASSERT_EQ(json::parse(read_file(record))["outcome"], "test-failed");

  // Three more runs on each side: the strict ones pass 7 times in 8.
  std::vector<std::string> args{"compare",   "before",  "after", "--store",
                                store_url(), "--retry", "3",     "--"};
  for (const std::string& arg : run_args()) args.push_back(arg);
  const sandbox::CommandOutput compared = crater(args, std::chrono::seconds(900));
  ASSERT_TRUE(compared.status.success()) << compared.err << compared.out;
  EXPECT_NE(compared.out.find("2 regressed or fixed crates ran 3 more times on each side"),
            std::string::npos)
      << compared.out;
  const json out = json::parse(read_file(scratch_ / "store/compare/before..after/compare.json"));
  using Names = std::vector<std::string>;
  EXPECT_EQ(crates_of(out["crates"]["flaky"]), Names{"cmp-flaky"}) << out.dump(1);
  EXPECT_EQ(crates_of(out["crates"]["regressed"]), Names{"cmp-regress"});
  EXPECT_EQ(out["crates"]["regressed"][0]["b"]["retries"],
            json::array({"build-failed", "build-failed", "build-failed"}));
  EXPECT_EQ(out["crates"]["flaky"][0]["a"]["retries"], json::array({"passed", "passed", "passed"}));
  // Each retry is a run of its own, beside the two.
  EXPECT_TRUE(fs::exists(scratch_ / "store/after~retry3/results/cmp-flaky/0.1.0.json"));
}

}  // namespace
