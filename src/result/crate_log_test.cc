#include "result/crate_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "result/record.h"

namespace result {
namespace {

namespace fs = std::filesystem;

class CrateLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cah-crate-log-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    store_ = store::open_store("file://" + dir_.string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(CrateLogTest, OneFeedReachesRawPageAndDiagnosis) {
  CrateLog log(*store_, "miri", "foo", "1.0.0");
  log.feed("\x1b[1m\x1b[31merror\x1b[0m: Undefined Behavior: Data race detected between\r\n");
  log.feed("  --> src/lib.rs:3:5\r\n");
  log.note("the worker died");
  EXPECT_FALSE(store_->head(raw_key("miri", "foo", "1.0.0")));  // nothing before commit
  const diagnosis::Diagnosis d = log.commit({.crate = "foo", .version = "1.0.0"});
  EXPECT_EQ(d.outcome, Outcome::kUndefinedBehavior);
  ASSERT_EQ(d.causes.size(), 1u);
  EXPECT_EQ(d.causes[0].source_crate, "foo");
  const auto raw = store_->get(raw_key("miri", "foo", "1.0.0"));
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), log.bytes());
  EXPECT_NE(raw->find("crater-at-home: the worker died"), std::string::npos);
  const auto page = store_->get(log_key("miri", "foo", "1.0.0"));
  ASSERT_TRUE(page);
  EXPECT_NE(page->find("<title>foo 1.0.0: miri</title>"), std::string::npos);
  EXPECT_NE(page->find("Data race detected"), std::string::npos);
}

TEST_F(CrateLogTest, AbortedOrDestroyedLeavesNothing) {
  {
    CrateLog log(*store_, "check", "foo", "1.0.0");
    log.feed("half a log");
  }
  CrateLog log(*store_, "check", "bar", "1.0.0");
  log.feed("half a log");
  log.abort();
  EXPECT_TRUE(store_->list("check/").empty());
}

TEST_F(CrateLogTest, PartsCanBeLeftOut) {
  store_->put(raw_key("check", "foo", "1.0.0"), "old raw", store::kRawLogType);
  CrateLog log(*store_, "check", "foo", "1.0.0", {.raw = false, .page = true, .diagnose = false});
  log.feed("error[E0425]: cannot find value `x` in this scope\r\n");
  const diagnosis::Diagnosis d = log.commit({.crate = "foo", .version = "1.0.0", .passed = true});
  EXPECT_TRUE(d.causes.empty());
  EXPECT_EQ(*store_->get(raw_key("check", "foo", "1.0.0")), "old raw");
  EXPECT_TRUE(store_->head(log_key("check", "foo", "1.0.0")));
}

}  // namespace
}  // namespace result
