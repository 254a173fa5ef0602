#include "queue/plan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "result/record.h"

namespace queue {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;

class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cah-plan-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    store_ = store::open_store(dir_.string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<catalogue::Crate> crates() const {
    return {{.name = "serde", .version = "1.0.0"},
            {.name = "rand", .version = "0.8.5"},
            {.name = "regex", .version = "1.7.0"}};
  }
  static std::vector<std::string> names(const Plan& plan) {
    std::vector<std::string> out;
    for (const auto& crate : plan.to_run) out.push_back(crate.name);
    return out;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(PlanTest, RunsEverythingOnAnEmptyStoreInOrder) {
  const Plan plan = make_plan(crates(), *store_, {.tool = "check"});
  EXPECT_EQ(names(plan), (std::vector<std::string>{"serde", "rand", "regex"}));
  EXPECT_EQ(plan.fresh, 0u);
  EXPECT_EQ(plan.ignored, 0u);
}

TEST_F(PlanTest, SkipsFreshResultsOfTheSameToolAndVersion) {
  store_->put(result::result_key("check", "rand", "0.8.5"), "{}");
  store_->put(result::result_key("check", "regex", "1.6.0"), "{}");  // another version
  store_->put(result::result_key("miri", "serde", "1.0.0"), "{}");   // another tool
  const Plan plan = make_plan(crates(), *store_, {.tool = "check"});
  EXPECT_EQ(names(plan), (std::vector<std::string>{"serde", "regex"}));
  EXPECT_EQ(plan.fresh, 1u);
}

TEST_F(PlanTest, RunsStaleResultsAgain) {
  store_->put(result::result_key("check", "rand", "0.8.5"), "{}");
  const Plan plan = make_plan(crates(), *store_,
                              {.tool = "check",
                               .rerun_older_than = hours(24),
                               .now = std::chrono::system_clock::now() + hours(25)});
  EXPECT_EQ(plan.to_run.size(), 3u);
  EXPECT_EQ(plan.fresh, 0u);
}

TEST_F(PlanTest, RerunRunsEverything) {
  store_->put(result::result_key("check", "rand", "0.8.5"), "{}");
  EXPECT_EQ(make_plan(crates(), *store_, {.tool = "check", .rerun = true}).to_run.size(), 3u);
}

TEST_F(PlanTest, IgnoredCratesAreCounted) {
  const Plan plan = make_plan(crates(), *store_, {.tool = "check", .ignore = {"serde", "nope"}});
  EXPECT_EQ(names(plan), (std::vector<std::string>{"rand", "regex"}));
  EXPECT_EQ(plan.ignored, 1u);
}

}  // namespace
}  // namespace queue
