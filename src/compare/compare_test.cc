#include "compare/compare.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "compare/classify.h"
#include "compare/log_lines.h"

namespace compare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using result::Outcome;

// --- classification ---------------------------------------------------------

Side side(Outcome outcome, std::vector<std::string> kinds = {}) {
  return {outcome, std::move(kinds)};
}

TEST(Classify, EveryCategory) {
  const Side passed = side(Outcome::kPassed);
  const Side data_race = side(Outcome::kUndefinedBehavior, {"data race"});
  const Side use_after_free = side(Outcome::kUndefinedBehavior, {"use after free"});
  for (const Outcome failure :
       {Outcome::kBuildFailed, Outcome::kTestFailed, Outcome::kUndefinedBehavior,
        Outcome::kTimedOut, Outcome::kOutOfMemory}) {
    EXPECT_EQ(classify(passed, side(failure)), Category::kRegressed) << outcome_name(failure);
    EXPECT_EQ(classify(side(failure), passed), Category::kFixed) << outcome_name(failure);
  }
  EXPECT_EQ(classify(side(Outcome::kTestFailed), data_race), Category::kNewUb);
  EXPECT_EQ(classify(side(Outcome::kTimedOut), data_race), Category::kNewUb);
  EXPECT_EQ(classify(data_race, side(Outcome::kBuildFailed)), Category::kUbGone);
  EXPECT_EQ(classify(data_race, use_after_free), Category::kUbChanged);
  EXPECT_EQ(classify(data_race, side(Outcome::kUndefinedBehavior, {"data race", "leak"})),
            Category::kUbChanged);
  EXPECT_EQ(classify(data_race, data_race), Category::kUnchanged);
  EXPECT_EQ(classify(passed, side(Outcome::kBroken)), Category::kBrokenOrError);
  EXPECT_EQ(classify(side(Outcome::kError), data_race), Category::kBrokenOrError);
  EXPECT_EQ(classify(side(Outcome::kBroken), side(Outcome::kError)), Category::kUnchanged);
  EXPECT_EQ(classify(side(Outcome::kBuildFailed), side(Outcome::kTestFailed)),
            Category::kFailedDifferently);
  EXPECT_EQ(classify(side(Outcome::kTimedOut), side(Outcome::kTimedOut)), Category::kUnchanged);
  EXPECT_EQ(classify(passed, passed), Category::kUnchanged);
}

TEST(Classify, NamesRoundTrip) {
  for (const Category category : kCategories) {
    EXPECT_EQ(category_from_name(category_name(category)), category);
  }
  EXPECT_EQ(category_from_name("nope"), std::nullopt);
}

// --- logs -------------------------------------------------------------------

TEST(LogLines, TimesAndAddressesAreNotADifference) {
  EXPECT_EQ(normalized("Finished test [unoptimized] target(s) in 1.52s"),
            normalized("Finished test [unoptimized] target(s) in 30.1s"));
  EXPECT_EQ(normalized("test a ... ok (12ms)"), normalized("test a ... ok (3ms)"));
  EXPECT_EQ(normalized("pointer 0x7ffd5a3c was freed"), normalized("pointer 0x55aa10 was freed"));
  EXPECT_NE(normalized("test result: ok. 5 passed"), normalized("test result: ok. 4 passed"));
  EXPECT_NE(normalized("v1.2s3"), normalized("v1.2s4"));
}

TEST(LogLines, FindsTheFirstDifferingLine) {
  const LogLines a = log_lines(
      "\x1b[1mCompiling\x1b[0m foo v1.0.0\r\nFinished in 1.0s\r\ntest x ... ok\r\nend\r\n", 100);
  const LogLines b = log_lines(
      "\x1b[1mCompiling\x1b[0m foo v1.0.0\r\nFinished in 2.5s\r\ntest x ... FAILED\r\nend\r\n",
      100);
  ASSERT_EQ(a.lines.size(), 4u);
  EXPECT_EQ(a.lines[0], "Compiling foo v1.0.0");
  EXPECT_EQ(first_difference(a.lines, b.lines), 2u);
  EXPECT_EQ(first_difference(a.lines, a.lines), std::nullopt);
  // A log that stops early differs where it stops.
  const std::vector<std::string> shorter(a.lines.begin(), a.lines.begin() + 2);
  EXPECT_EQ(first_difference(a.lines, shorter), 2u);
}

TEST(LogLines, KeepsAtMostMaxLines) {
  const LogLines lines = log_lines("1\n2\n3\n4\n", 2);
  EXPECT_EQ(lines.lines.size(), 2u);
  EXPECT_TRUE(lines.truncated);
}

// --- a comparison on a synthetic store --------------------------------------

class CompareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cah-compare-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    store_ = store::open_store((dir_ / "store").string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void add(store::Store& store, const std::string& run, const std::string& crate,
                  const std::string& version, Outcome outcome, const std::string& log,
                  std::vector<std::string> kinds = {}) {
    store.put(result::raw_key(run, crate, version), log);
    result::Record record{
        .tool = run,
        .toolchain = "nightly",
        .identity = {.tool = "miri",
                     .toolchain_version = "1.95.0-nightly",
                     .toolchain_commit = "0123456789abcdef",
                     .flags = {{"MIRIFLAGS", run == "before" ? "" : "-Zmiri-strict-provenance"}}},
        .crate = crate,
        .version = version,
        .started = std::chrono::system_clock::now(),
        .outcome = outcome,
    };
    for (std::string& kind : kinds) record.causes.push_back({.kind = std::move(kind)});
    store.put(result::result_key(run, crate, version), result::to_json(record));
  }
  void add(const std::string& run, const std::string& crate, Outcome outcome,
           const std::string& log, std::vector<std::string> kinds = {}) {
    add(*store_, run, crate, "1.0.0", outcome, log, std::move(kinds));
  }

  /// One crate of every category, and some that only one run has.
  void add_both_runs() {
    add("before", "reg", Outcome::kPassed, "Compiling reg\ntest t ... ok\n");
    add("after", "reg", Outcome::kTestFailed, "Compiling reg\ntest t ... FAILED\n");
    add("before", "reg-popular", Outcome::kPassed, "ok\n");
    add("after", "reg-popular", Outcome::kBuildFailed, "error[E0425]\n");
    add("before", "fix", Outcome::kTestFailed, "x\n");
    add("after", "fix", Outcome::kPassed, "y\n");
    add("before", "newub", Outcome::kTestFailed, "x\n");
    add("after", "newub", Outcome::kUndefinedBehavior, "y\n", {"data race"});
    add("before", "gone", Outcome::kUndefinedBehavior, "x\n", {"data race"});
    add("after", "gone", Outcome::kTestFailed, "y\n");
    add("before", "ubch", Outcome::kUndefinedBehavior, "x\n", {"data race"});
    add("after", "ubch", Outcome::kUndefinedBehavior, "y\n", {"use after free"});
    add("before", "brk", Outcome::kPassed, "x\n");
    add("after", "brk", Outcome::kBroken, "y\n");
    add("before", "diff", Outcome::kBuildFailed, "x\n");
    add("after", "diff", Outcome::kTestFailed, "y\n");
    add("before", "same", Outcome::kPassed, "same\n");
    add("after", "same", Outcome::kPassed, "same\n");
    add("before", "only-before", Outcome::kPassed, "x\n");
    add(*store_, "before", "ver", "1.0.0", Outcome::kPassed, "x\n");
    add(*store_, "after", "ver", "2.0.0", Outcome::kBuildFailed, "y\n");
  }

  CompareStats run(bool force = false) {
    return compare_runs(*store_, *store_, {.a = "before", .b = "after", .force = force},
                        {{"reg", 10}, {"reg-popular", 1000}});
  }
  json compare_json() {
    return json::parse(store_->get("compare/before..after/compare.json").value_or("null"));
  }
  static std::vector<std::string> crates(const json& list) {
    std::vector<std::string> out;
    for (const json& entry : list) out.push_back(entry.at("crate").get<std::string>());
    return out;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

using Names = std::vector<std::string>;

TEST_F(CompareTest, ClassifiesTheCratesBothRanAtOneVersion) {
  add_both_runs();
  const CompareStats stats = run();
  EXPECT_EQ(stats.common, 9u);
  EXPECT_EQ(stats.compared, 9u);
  EXPECT_EQ(stats.pages, 8u);

  const json out = compare_json();
  EXPECT_EQ(out["counts"]["regressed"], 2);
  EXPECT_EQ(out["counts"]["unchanged"], 1);
  // Most downloaded first.
  EXPECT_EQ(crates(out["crates"]["regressed"]), (Names{"reg-popular", "reg"}));
  EXPECT_EQ(crates(out["crates"]["fixed"]), Names{"fix"});
  EXPECT_EQ(crates(out["crates"]["new-ub"]), Names{"newub"});
  EXPECT_EQ(crates(out["crates"]["ub-gone"]), Names{"gone"});
  EXPECT_EQ(crates(out["crates"]["ub-changed"]), Names{"ubch"});
  EXPECT_EQ(crates(out["crates"]["broken-or-error"]), Names{"brk"});
  EXPECT_EQ(crates(out["crates"]["failed-differently"]), Names{"diff"});
  EXPECT_EQ(crates(out["crates"]["unchanged"]), Names{"same"});
  const json& reg = out["crates"]["regressed"][1];
  EXPECT_EQ(reg["a"]["outcome"], "passed");
  EXPECT_EQ(reg["b"]["outcome"], "test-failed");
  EXPECT_EQ(reg["downloads"], 10);
  EXPECT_EQ(reg["first_difference"], 2);  // 1-based, like the page
  EXPECT_EQ(reg["page"], "reg/1.0.0.html");
  EXPECT_EQ(out["crates"]["ub-changed"][0]["b"]["kinds"], json::array({"use after free"}));
  EXPECT_EQ(out["b"]["flags"]["MIRIFLAGS"], "-Zmiri-strict-provenance");
  EXPECT_EQ(out["a"]["toolchain_commit"], "0123456789abcdef");

  const std::string index = store_->get("compare/before..after/index.html").value_or("");
  EXPECT_NE(index.find("<section id=\"new-ub\">"), std::string::npos);
  EXPECT_NE(index.find("href=\"reg/1.0.0.html\""), std::string::npos);
  EXPECT_NE(index.find("href=\"../../before/logs/reg/1.0.0\""), std::string::npos);
  EXPECT_NE(index.find("href=\"../../after/logs/reg/1.0.0\""), std::string::npos);
  EXPECT_EQ(index.find("<section id=\"unchanged\">"), std::string::npos);
  EXPECT_NE(index.find("<tr class=\"differs\"><th>flags</th>"), std::string::npos);
  EXPECT_LT(index.find("data-crate=\"reg-popular\""), index.find("data-crate=\"reg\""));

  const std::string page =
      store_->get(crate_page_key("before", "after", "reg", "1.0.0")).value_or("");
  EXPECT_NE(page.find("<div class=\"line diff\" id=\"diff-a\"><i>2</i>test t ... ok</div>"),
            std::string::npos);
  EXPECT_NE(page.find("<div class=\"line diff\" id=\"diff-b\"><i>2</i>test t ... FAILED</div>"),
            std::string::npos);
  EXPECT_NE(page.find("href=\"../../../before/logs/reg/1.0.0\""), std::string::npos);
  EXPECT_NE(page.find("href=\"../index.html\""), std::string::npos);
  EXPECT_NE(page.find("data-category=\"regressed\""), std::string::npos);
  EXPECT_FALSE(store_->head(crate_page_key("before", "after", "same", "1.0.0")));
}

TEST_F(CompareTest, ComparesOnlyWhatChangedSinceTheLastTime) {
  add_both_runs();
  run();
  const CompareStats again = run();
  EXPECT_EQ(again.common, 9u);
  EXPECT_EQ(again.reused, 9u);
  EXPECT_EQ(again.compared, 0u);
  EXPECT_EQ(again.pages, 0u);

  // A crate both ran for the first time, and two that ran again.
  add("before", "late", Outcome::kPassed, "ok\n");
  add("after", "late", Outcome::kTimedOut, "killed after 3600 s\n");
  add("after", "same", Outcome::kOutOfMemory, "same\nkilled: out of memory\n");
  add("after", "reg", Outcome::kPassed, "Compiling reg\ntest t ... ok, again\n");
  const CompareStats third = run();
  EXPECT_EQ(third.common, 10u);
  EXPECT_EQ(third.compared, 3u);
  EXPECT_EQ(third.reused, 7u);
  const json out = compare_json();
  EXPECT_EQ(crates(out["crates"]["regressed"]), (Names{"reg-popular", "late", "same"}));
  EXPECT_EQ(crates(out["crates"]["unchanged"]), Names{"reg"});
  EXPECT_EQ(out["crates"]["regressed"][2]["first_difference"], 2);
  // The page of a crate that no longer differs is gone.
  EXPECT_FALSE(store_->head(crate_page_key("before", "after", "reg", "1.0.0")));
  EXPECT_TRUE(store_->head(crate_page_key("before", "after", "same", "1.0.0")));

  const CompareStats forced = run(/*force=*/true);
  EXPECT_EQ(forced.compared, 10u);
  EXPECT_EQ(compare_json(), out);
}

TEST_F(CompareTest, RunBInAnotherStoreIsComparedButNotLinked) {
  auto other = store::open_store((dir_ / "other").string());
  add(*store_, "before", "reg", "1.0.0", Outcome::kPassed, "a\nb\n");
  add(*other, "after", "reg", "1.0.0", Outcome::kBuildFailed, "a\nc\n");
  const CompareStats stats = compare_runs(*store_, *other, {.a = "before", .b = "after"}, {});
  EXPECT_EQ(stats.counts.at(Category::kRegressed), 1u);
  EXPECT_FALSE(other->head("compare/before..after/index.html"));
  const std::string index = store_->get("compare/before..after/index.html").value_or("");
  EXPECT_NE(index.find("../../before/logs/reg/1.0.0"), std::string::npos);
  EXPECT_EQ(index.find("../../after/logs/"), std::string::npos);
  const std::string page =
      store_->get(crate_page_key("before", "after", "reg", "1.0.0")).value_or("");
  EXPECT_NE(page.find("id=\"diff-b\"><i>2</i>c</div>"), std::string::npos);
}

TEST_F(CompareTest, ACrateWhoseOutcomeChangesWhenRunAgainIsFlaky) {
  add("before", "real", Outcome::kPassed, "ok\n");
  add("after", "real", Outcome::kTestFailed, "FAILED\n");
  add("before", "flaky", Outcome::kPassed, "ok\n");
  add("after", "flaky", Outcome::kTestFailed, "FAILED\n");
  add("before", "fixed", Outcome::kBuildFailed, "error\n");
  add("after", "fixed", Outcome::kPassed, "ok\n");
  add("before", "same", Outcome::kPassed, "ok\n");
  add("after", "same", Outcome::kPassed, "ok\n");
  // The crates run again: "flaky" passes on B's second retry.
  std::vector<std::string> calls;
  const RunAgain run_again = [&](const compare::Run& run, const std::string& again, bool side_b,
                                 const std::vector<std::pair<std::string, std::string>>& crates) {
    EXPECT_EQ(run.name, side_b ? "after" : "before");
    EXPECT_EQ(run.identity.tool, "miri");
    std::string names;
    for (const auto& [crate, version] : crates) {
      names += crate + "@" + version + " ";
      Outcome outcome = side_b ? (crate == "fixed" ? Outcome::kPassed : Outcome::kTestFailed)
                               : (crate == "fixed" ? Outcome::kBuildFailed : Outcome::kPassed);
      if (crate == "flaky" && again == "after~retry2") outcome = Outcome::kPassed;
      add(*store_, again, crate, version, outcome, "again\n");
    }
    calls.push_back(again + ": " + names);
  };
  const CompareStats stats = compare_runs(
      *store_, *store_, {.a = "before", .b = "after", .retry = 2, .run_again = run_again}, {});
  EXPECT_EQ(calls, (Names{"before~retry1: fixed@1.0.0 flaky@1.0.0 real@1.0.0 ",
                          "after~retry1: fixed@1.0.0 flaky@1.0.0 real@1.0.0 ",
                          "before~retry2: fixed@1.0.0 flaky@1.0.0 real@1.0.0 ",
                          "after~retry2: fixed@1.0.0 flaky@1.0.0 real@1.0.0 "}));
  EXPECT_EQ(stats.retried, 3u);
  const json out = compare_json();
  EXPECT_EQ(crates(out["crates"]["flaky"]), Names{"flaky"});
  EXPECT_EQ(crates(out["crates"]["regressed"]), Names{"real"});
  EXPECT_EQ(crates(out["crates"]["fixed"]), Names{"fixed"});
  EXPECT_EQ(out["crates"]["flaky"][0]["b"]["retries"], json::array({"test-failed", "passed"}));
  EXPECT_NE(store_->get(crate_page_key("before", "after", "flaky", "1.0.0"))
                .value_or("")
                .find("data-category=\"flaky\""),
            std::string::npos);

  // Comparing again runs nothing again: the state remembers.
  calls.clear();
  compare_runs(*store_, *store_, {.a = "before", .b = "after", .retry = 2, .run_again = run_again},
               {});
  EXPECT_TRUE(calls.empty());
  EXPECT_EQ(crates(compare_json()["crates"]["flaky"]), Names{"flaky"});
}

TEST_F(CompareTest, ARunWithoutResultsIsAnErrorAndNothingIsWritten) {
  add("before", "a", Outcome::kPassed, "ok\n");
  EXPECT_THROW(compare_runs(*store_, *store_, {.a = "before", .b = "aftr"}, {}),
               std::runtime_error);
  EXPECT_TRUE(store_->list("compare/").empty());
}

TEST_F(CompareTest, RunNamesAreOnePathSegment) {
  EXPECT_THROW(compare_runs(*store_, *store_, {.a = "../x", .b = "after"}, {}),
               std::invalid_argument);
  EXPECT_THROW(compare_runs(*store_, *store_, {.a = "a", .b = ""}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace compare
