#include "publish/publish.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "render/page.h"
#include "result/record.h"

namespace publish {
namespace {

namespace fs = std::filesystem;

class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cah-sync-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    store_ = store::open_store(dir_.string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// A result as `run` leaves it, without page or diagnosis.
  void add_result(const std::string& crate, const std::string& log, int exit_code = 101) {
    store_->put(result::raw_key("miri", crate, "1.0.0"), log);
    const result::Record record{
        .tool = "miri",
        .toolchain = "nightly",
        .crate = crate,
        .version = "1.0.0",
        .job = agent::JobResult{.commands = {{.exit_code = exit_code}}},
        .started = std::chrono::system_clock::now(),
        .outcome = exit_code == 0 ? result::Outcome::kPassed : result::Outcome::kBuildFailed,
    };
    store_->put(result::result_key("miri", crate, "1.0.0"), result::to_json(record));
  }
  SyncStats sync(bool force = false) {
    return sync_tool(*store_, {.tool = "miri", .force = force}, {{"a", 10}, {"b", 20}, {"c", 5}});
  }
  std::string page(const std::string& crate) {
    return store_->get(result::log_key("miri", crate, "1.0.0")).value_or("");
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

constexpr const char* kUbLog =
    "test tests::race ... \r\n"
    "\x1b[1m\x1b[31merror\x1b[0m\x1b[1m: Undefined Behavior: Data race detected between (1) "
    "non-atomic write on thread `<unnamed>` and (2) non-atomic read on thread `main`\x1b[0m\r\n"
    "  --> src/lib.rs:10:5\r\n";

TEST_F(SyncTest, RendersAndDiagnosesNewResultsThenNothing) {
  add_result("a", "plain log\r\n", 0);
  add_result("b", kUbLog);
  add_result("c", "error[E0425]: cannot find value `x` in this scope\r\n");

  const SyncStats first = sync();
  EXPECT_EQ(first.results, 3u);
  EXPECT_EQ(first.rendered, 3u);
  EXPECT_EQ(first.diagnosed, 3u);
  EXPECT_TRUE(first.archives_written);
  EXPECT_NE(page("b").find("Undefined Behavior"), std::string::npos);

  const result::Record b =
      result::parse_record(*store_->get(result::result_key("miri", "b", "1.0.0")));
  EXPECT_EQ(b.renderer_version, render::kRendererVersion);
  EXPECT_EQ(b.outcome, result::Outcome::kUndefinedBehavior);
  EXPECT_EQ(b.diagnosis_version, diagnosis::kDiagnosisVersion);

  const nlohmann::json results = nlohmann::json::parse(*store_->get("miri/results.json"));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1]["crate"], "b");
  EXPECT_EQ(results[1]["outcome"], "ub");
  for (const char* key : {"miri/index.html", "miri/ub", "miri/summary.html", "miri/403",
                          "miri/raw.tar.xz", "miri/html.tar.xz"}) {
    EXPECT_TRUE(store_->head(key)) << key;
  }

  const SyncStats second = sync();
  EXPECT_EQ(second.unchanged, 3u);
  EXPECT_EQ(second.rendered, 0u);
  EXPECT_EQ(second.diagnosed, 0u);
  EXPECT_FALSE(second.archives_written);
}

TEST_F(SyncTest, AChangedRawLogIsRenderedAgainAlone) {
  add_result("a", "first words\r\n");
  add_result("b", "other\r\n");
  sync();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a new modification time
  store_->put(result::raw_key("miri", "a", "1.0.0"), "second words, longer\r\n");
  const SyncStats stats = sync();
  EXPECT_EQ(stats.rendered, 1u);
  EXPECT_EQ(stats.unchanged, 1u);
  EXPECT_NE(page("a").find("second words"), std::string::npos);
  EXPECT_TRUE(stats.archives_written);
}

TEST_F(SyncTest, ForceDoesEverythingAgain) {
  add_result("a", "log\r\n");
  sync();
  const SyncStats stats = sync(true);
  EXPECT_EQ(stats.rendered, 1u);
  EXPECT_EQ(stats.diagnosed, 1u);
}

TEST_F(SyncTest, APageRunAlreadyWroteIsKept) {
  add_result("a", "log\r\n");
  result::Record record =
      result::parse_record(*store_->get(result::result_key("miri", "a", "1.0.0")));
  record.renderer_version = render::kRendererVersion;
  store_->put(result::result_key("miri", "a", "1.0.0"), result::to_json(record));
  store_->put(result::log_key("miri", "a", "1.0.0"), "<html>rendered by run</html>");
  const SyncStats stats = sync();
  EXPECT_EQ(stats.rendered, 0u);
  EXPECT_EQ(stats.diagnosed, 1u);  // run left no diagnosis
  EXPECT_EQ(page("a"), "<html>rendered by run</html>");
}

TEST_F(SyncTest, ARemovedResultLeavesTheSite) {
  add_result("a", "log\r\n");
  add_result("b", "log\r\n");
  sync();
  store_->remove(result::result_key("miri", "b", "1.0.0"));
  const SyncStats stats = sync();
  EXPECT_EQ(stats.results, 1u);
  const nlohmann::json results = nlohmann::json::parse(*store_->get("miri/results.json"));
  EXPECT_EQ(results.size(), 1u);
}

TEST_F(SyncTest, ARecordOfTheFirstShapeIsUpgraded) {
  // As run stored it before the one outcome vocabulary: "failed" beside a
  // diagnosis with an outcome of its own.
  store_->put(result::raw_key("miri", "a", "1.0.0"), "test result: FAILED. 1 passed; 1 failed\r\n");
  store_->put(result::result_key("miri", "a", "1.0.0"), R"({
  "tool": "miri", "toolchain": "nightly", "crate": "a", "version": "1.0.0",
  "outcome": "failed", "error": null, "started": "2026-11-30T00:53:20Z",
  "wall_seconds": 2.5, "peak_memory_bytes": 1000, "attempts": 1, "log_bytes": 40,
  "renderer_version": 1, "diagnosis_version": 1,
  "diagnosis": {"version": 1, "outcome": "test-failed", "causes": [], "spurious": []},
  "job": {"commands": [{"exit_code": 101, "signal": null, "wall_seconds": 2.0}],
          "timed_out": null, "oom_killed": false, "wall_seconds": 2.4, "peak_memory_bytes": 1000}
})");
  const SyncStats first = sync();
  EXPECT_EQ(first.upgraded, 1u);
  const nlohmann::json stored =
      nlohmann::json::parse(*store_->get(result::result_key("miri", "a", "1.0.0")));
  EXPECT_EQ(stored["schema"], result::kRecordSchema);
  EXPECT_EQ(stored["outcome"], "test-failed");
  EXPECT_FALSE(stored.contains("diagnosis"));
  const nlohmann::json results = nlohmann::json::parse(*store_->get("miri/results.json"));
  EXPECT_EQ(results[0]["outcome"], "test-failed");
  EXPECT_EQ(sync().upgraded, 0u);
}

TEST_F(SyncTest, ResultsAndTheSiteCarryTheFactsARecordHas) {
  add_result("a", "plain log\r\n", 0);
  add_result("b", "error[E0425]: cannot find value `x` in this scope\r\n");
  add_result("c", "Killed\r\n");
  nlohmann::json c = nlohmann::json::parse(*store_->get(result::result_key("miri", "c", "1.0.0")));
  c["job"]["oom_killed"] = true;
  store_->put(result::result_key("miri", "c", "1.0.0"), c.dump());
  // Fields newer records carry, which result::Record does not know yet.
  nlohmann::json b = nlohmann::json::parse(*store_->get(result::result_key("miri", "b", "1.0.0")));
  b["toolchain_version"] = "rustc 1.80.0-nightly (c987ad527 2024-05-01)";
  b["env"] = {{"MIRIFLAGS", "-Zmiri-strict-provenance"}, {"RUSTFLAGS", "--cap-lints=warn"}};
  b["registry"] = "https://index.crates.io/";
  b["engine"] = "ssh://builder";
  store_->put(result::result_key("miri", "b", "1.0.0"), b.dump());
  sync();

  const nlohmann::json results = nlohmann::json::parse(*store_->get("miri/results.json"));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0]["outcome"], "passed");
  EXPECT_EQ(results[1]["outcome"], "build-failed");
  EXPECT_EQ(results[2]["outcome"], "oom");
  EXPECT_EQ(results[1]["toolchain_version"], "rustc 1.80.0-nightly (c987ad527 2024-05-01)");
  EXPECT_EQ(results[1]["flags"], "MIRIFLAGS=-Zmiri-strict-provenance RUSTFLAGS=--cap-lints=warn");
  EXPECT_EQ(results[1]["registry"], "https://index.crates.io/");
  EXPECT_EQ(results[1]["engine"], "ssh://builder");
  EXPECT_EQ(results[0]["toolchain"], "nightly");
  EXPECT_TRUE(results[0].contains("started"));
  // An older record has none of them, and nothing is made up.
  EXPECT_FALSE(results[0].contains("toolchain_version"));
  EXPECT_FALSE(results[0].contains("flags"));
  EXPECT_FALSE(results[0].contains("registry"));

  const std::string index = store_->get("miri/index.html").value_or("");
  EXPECT_NE(index.find("<a href=\"list.html?outcome=build-failed\">"), std::string::npos);
  EXPECT_NE(index.find("MIRIFLAGS=-Zmiri-strict-provenance RUSTFLAGS=--cap-lints=warn"),
            std::string::npos);
  EXPECT_NE(index.find("nightly (rustc 1.80.0-nightly (c987ad527 2024-05-01))"), std::string::npos);
  EXPECT_NE(store_->get("miri/lists/oom/0.json").value_or("").find("\"c\""), std::string::npos);
  EXPECT_TRUE(store_->head("miri/list.html"));
}

}  // namespace
}  // namespace publish
