#include "report/site.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "report/crate_entry.h"
#include "report/crate_lists.h"

namespace report {
namespace {

namespace fs = std::filesystem;

class Site : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cah-site-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    store_ = store::open_store("file://" + root_.string());
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string page(const std::string& key) {
    const std::optional<std::string> bytes = store_->get(key);
    EXPECT_TRUE(bytes.has_value()) << key;
    return bytes.value_or("");
  }

  fs::path root_;
  std::unique_ptr<store::Store> store_;
};

CrateEntry entry(std::string crate, std::string version, std::string outcome,
                 uint64_t downloads = 0, std::vector<Finding> findings = {}) {
  CrateEntry e;
  e.crate = std::move(crate);
  e.version = std::move(version);
  e.outcome = std::move(outcome);
  e.downloads = downloads;
  e.findings = std::move(findings);
  return e;
}

/// Where each of `needles` is in `text`, in order; fails if one is missing
/// or out of order.
void expect_in_order(const std::string& text, const std::vector<std::string>& needles) {
  size_t at = 0;
  for (const std::string& needle : needles) {
    const size_t found = text.find(needle, at);
    ASSERT_NE(found, std::string::npos) << "'" << needle << "' missing or out of order";
    at = found + needle.size();
  }
}

size_t count(const std::string& text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(NewestVersions, PicksBySemverOnePerCrateInNameOrder) {
  const std::vector<CrateEntry> entries = {
      entry("serde", "1.0.9", "passed"),  entry("anyhow", "1.0.0", "passed"),
      entry("serde", "1.0.10", "ub"),     entry("serde", "1.0.10-rc.1", "passed"),
      entry("anyhow", "0.9.0", "passed"),
  };
  const std::vector<const CrateEntry*> newest = newest_versions(entries);
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0]->crate, "anyhow");
  EXPECT_EQ(newest[0]->version, "1.0.0");
  EXPECT_EQ(newest[1]->crate, "serde");
  EXPECT_EQ(newest[1]->version, "1.0.10");
}

TEST_F(Site, WritesEveryPage) {
  write_site(*store_, "miri", {entry("serde", "1.0.0", "passed")});
  for (const char* key :
       {"miri/index.html", "miri/list.html", "miri/ub", "miri/summary.html", "miri/403"}) {
    const std::string html = page(key);
    EXPECT_TRUE(html.starts_with("<!DOCTYPE html>")) << key;
    EXPECT_TRUE(html.ends_with("</body></html>\n")) << key;
  }
}

TEST_F(Site, IndexMapsEveryCrateToItsNewestVersion) {
  write_site(*store_, "miri",
             {entry("serde", "1.0.9", "passed"), entry("serde", "1.0.10", "test-failed"),
              entry("anyhow", "1.0.75", "passed"), entry("zip", "0.6.6", "ub")});
  const std::string html = page("miri/index.html");
  EXPECT_NE(html.find("<input id=\"search\""), std::string::npos);
  EXPECT_NE(
      html.find(
          R"(<script type="application/json" id="crates">["anyhow","1.0.75","serde","1.0.10","zip","0.6.6"]</script>)"),
      std::string::npos);
  EXPECT_NE(html.find("href=\"ub\""), std::string::npos);
  EXPECT_NE(html.find("href=\"summary.html\""), std::string::npos);
  // No archives yet, so no links to them.
  EXPECT_EQ(html.find("raw.tar.xz"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos) << "every link is relative";
}

TEST_F(Site, IndexLinksTheArchivesOnceTheyExist) {
  store_->put("miri/raw.tar.xz", "x");
  store_->put("miri/html.tar.xz", "x");
  write_site(*store_, "miri", {entry("serde", "1.0.0", "passed")});
  const std::string html = page("miri/index.html");
  EXPECT_NE(html.find("href=\"raw.tar.xz\""), std::string::npos);
  EXPECT_NE(html.find("href=\"html.tar.xz\""), std::string::npos);
}

TEST_F(Site, FindingsListNewestVersionsMostDownloadedFirst) {
  write_site(*store_, "miri",
             {entry("rare", "1.0.0", "ub", 10, {{"Stacked Borrows", "rare", false}}),
              entry("popular", "2.0.0", "ub", 1000,
                    {{"dangling pointer", "dep", true}, {"data race", "popular", false}}),
              entry("fixed", "1.0.0", "ub", 5000, {{"Stacked Borrows", "fixed", false}}),
              entry("fixed", "1.1.0", "passed", 5000),
              entry("middle", "0.1.0+meta", "ub", 500, {{"uninit", "middle", false}}),
              entry("clean", "1.0.0", "passed", 9000)});
  const std::string html = page("miri/ub");
  expect_in_order(
      html,
      {
          R"(<a class="crate" data-crate="popular" data-version="2.0.0" href="logs/popular/2.0.0")",
          R"(<span class="kind">dangling pointer</span> <span class="source">in dep</span> <span class="fp")",
          R"(<span class="kind">data race</span></div>)",
          R"(data-crate="middle" data-version="0.1.0+meta" href="logs/middle/0.1.0%2Bmeta")",
          R"(data-crate="rare")",
      });
  EXPECT_EQ(html.find("data-crate=\"fixed\""), std::string::npos);
  EXPECT_EQ(html.find("data-crate=\"clean\""), std::string::npos);
  EXPECT_NE(html.find("<iframe id=\"log\""), std::string::npos);
  EXPECT_NE(html.find("history.replaceState"), std::string::npos);
}

TEST_F(Site, SummaryChartsOutcomesAndKindsAndRanksCosts) {
  std::vector<CrateEntry> entries;
  for (int i = 0; i < 25; ++i) {
    CrateEntry e = entry("crate" + std::to_string(i), "1.0.0", i % 5 == 0 ? "ub" : "passed");
    if (e.outcome == "ub") e.findings = {{"Stacked Borrows", e.crate, false}};
    e.wall_seconds = i;
    e.peak_memory_bytes = uint64_t{1} << (10 + i % 20);
    entries.push_back(e);
  }
  entries[3].outcome = "timed-out";
  entries[4].outcome = "weird-new-outcome";
  write_site(*store_, "miri", entries);
  const std::string html = page("miri/summary.html");
  EXPECT_EQ(count(html, "<svg class=\"chart\""), 2u);
  expect_in_order(html, {">passed</text>", ">18 (72.0%)</text>", ">ub</text>", ">5 (20.0%)<",
                         ">timed-out</text>", ">weird-new-outcome</text>"});
  expect_in_order(html, {"Crates per kind of finding", ">Stacked Borrows</text>", ">5 (100.0%)<"});
  // The slowest table: 20 rows, slowest first; crate0 took no time at all.
  const size_t slowest = html.find("<table id=\"slowest\"");
  const size_t hungriest = html.find("<table id=\"hungriest\"");
  ASSERT_NE(slowest, std::string::npos);
  ASSERT_NE(hungriest, std::string::npos);
  const std::string table = html.substr(slowest, hungriest - slowest);
  EXPECT_EQ(count(table, "<tr><td class=\"n\">"), 20u);
  expect_in_order(table, {"href=\"logs/crate24/1.0.0\"", "24.0 s", "href=\"logs/crate23/1.0.0\""});
  EXPECT_EQ(table.find("logs/crate4/"), std::string::npos);
  expect_in_order(html.substr(hungriest), {"logs/crate19/", "512.0 MiB", "logs/crate18/"});
}

TEST_F(Site, SummaryWithoutFindingsSaysSo) {
  write_site(*store_, "miri", {entry("serde", "1.0.0", "passed")});
  const std::string html = page("miri/summary.html");
  EXPECT_EQ(count(html, "<svg class=\"chart\""), 1u);
  EXPECT_NE(html.find("No findings."), std::string::npos);
}

TEST_F(Site, ErrorPageLinksFromTheToolsRoot) {
  write_site(*store_, "miri", {});
  const std::string html = page("miri/403");
  EXPECT_NE(html.find("<a id=\"home\" href=\"/miri/index.html\""), std::string::npos);
  EXPECT_NE(html.find("var tool=\"miri\";"), std::string::npos);
}

TEST_F(Site, EscapesHostileNamesVersionsKindsAndTools) {
  const std::string evil = "\"'><img src=x onerror=alert(1)></script><script>alert(2)</script>";
  const std::string tool = "t<b>\"";
  write_site(*store_, tool,
             {entry(evil, evil, "ub", 1, {{evil, evil, true}}), entry("ok", "1.0.0", evil)});
  for (const char* page_name : {"index.html", "list.html", "ub", "summary.html", "403"}) {
    const std::string html = page(tool + "/" + page_name);
    SCOPED_TRACE(page_name);
    EXPECT_EQ(html.find("<img"), std::string::npos);
    EXPECT_EQ(html.find("<script>alert"), std::string::npos);
    EXPECT_EQ(html.find("<b>"), std::string::npos);
    EXPECT_EQ(count(html, "</script>"), count(html, "<script"));
  }
  const std::string index = page(tool + "/index.html");
  EXPECT_NE(
      index.find(R"("\"\u0027\u003e\u003cimg src=x onerror=alert(1)\u003e\u003c/script\u003e)"),
      std::string::npos);
  const std::string ub = page(tool + "/ub");
  EXPECT_NE(ub.find("data-crate=\"&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;"),
            std::string::npos);
  EXPECT_NE(ub.find("href=\"logs/%22%27%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E"),
            std::string::npos);
  const std::string slice = page(tool + "/lists/ub/0.json");
  EXPECT_EQ(slice.find('<'), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(slice)[0][0], evil);
  const std::string error = page(tool + "/403");
  EXPECT_NE(error.find("href=\"/t%3Cb%3E%22/index.html\""), std::string::npos);
  EXPECT_NE(error.find(R"(var tool="t\u003cb\u003e\"";)"), std::string::npos);
}

TEST_F(Site, HundredThousandCratesStayAFewMegabytes) {
  std::vector<CrateEntry> entries;
  entries.reserve(100'000);
  for (int i = 0; i < 100'000; ++i) {
    entries.push_back(entry("crate-name-" + std::to_string(i), "1.2." + std::to_string(i % 50),
                            i % 100 == 0 ? "ub" : "passed", static_cast<uint64_t>(i),
                            {{"Stacked Borrows", "x", false}}));
  }
  write_site(*store_, "miri", entries);
  EXPECT_LT(page("miri/index.html").size(), 4'000'000u);
  EXPECT_LT(page("miri/ub").size(), 1'000'000u);
  EXPECT_LT(page("miri/list.html").size(), 20'000u);
  EXPECT_TRUE(store_->head("miri/lists/passed/98.json"));
  EXPECT_FALSE(store_->head("miri/lists/passed/99.json"));
}

TEST(CrateLists, EveryOutcomeInTheSitesOrderThenOthersMostDownloadedFirst) {
  std::vector<CrateEntry> entries = {
      entry("a", "1.0.0", "passed", 5),
      entry("b", "1.0.0", "passed", 50),
      entry("c", "1.0.0", "ub", 1, {{"data race", "c", false}, {"data race", "d", false}}),
      entry("d", "1.0.0", "ub", 9, {{"Stacked Borrows", "d", false}, {"data race", "d", false}}),
      entry("e", "1.0.0", "zany", 1),
      entry("f", "1.0.0", "broken", 0),
      entry("g", "1.0.0", "passed", 50),
  };
  const std::vector<const CrateEntry*> newest = newest_versions(entries);
  const CrateLists lists = make_lists(newest);
  std::vector<std::string> outcomes;
  for (const CrateList& list : lists.outcomes) outcomes.push_back(list.outcome);
  EXPECT_EQ(outcomes, (std::vector<std::string>{"passed", "build-failed", "test-failed", "ub",
                                                "timed-out", "oom", "broken", "error", "zany"}));
  std::vector<std::string> passed;
  for (const CrateEntry* e : lists.outcomes[0].crates) passed.push_back(e->crate);
  EXPECT_EQ(passed, (std::vector<std::string>{"b", "g", "a"}));
  EXPECT_EQ(lists.outcomes[0].path, "lists/passed");
  EXPECT_EQ(lists.count("oom"), 0u);
  EXPECT_EQ(lists.count("zany"), 1u);
  ASSERT_EQ(lists.kinds.size(), 2u);
  EXPECT_EQ(lists.kinds[0].kind, "data race");  // two crates, each counted once
  EXPECT_EQ(lists.kinds[0].crates.size(), 2u);
  EXPECT_EQ(lists.kinds[0].crates[0]->crate, "d");
  EXPECT_EQ(lists.kinds[1].kind, "Stacked Borrows");
  EXPECT_TRUE(lists.kinds[0].path.starts_with("lists/kind-"));
  EXPECT_NE(lists.kinds[0].path, lists.kinds[1].path);
}

TEST(CrateLists, AnOutcomeThatIsNoPlainWordGetsAPathOfItsOwn) {
  std::vector<CrateEntry> entries = {entry("a", "1.0.0", "../x"), entry("b", "1.0.0", "Y")};
  const CrateLists lists = make_lists(newest_versions(entries));
  for (const CrateList& list : lists.outcomes) {
    EXPECT_EQ(list.path.find(".."), std::string::npos) << list.path;
    EXPECT_EQ(list.path.find('/', 6), std::string::npos) << list.path;
  }
}

TEST_F(Site, ListSlicesHoldAThousandRowsAndStaleOnesGo) {
  std::vector<CrateEntry> entries;
  entries.reserve(2501);
  for (int i = 0; i < 2500; ++i) {
    entries.push_back(entry("c" + std::to_string(i), "1.0.0", "passed", 10'000 - i));
  }
  CrateEntry broken = entry("gone-dep", "0.1.0", "broken", 3);
  broken.reason = "no matching package named `gone`";
  broken.wall_seconds = 1.25;
  broken.peak_memory_bytes = 4096;
  entries.push_back(broken);
  write_site(*store_, "miri", entries);
  const nlohmann::json last = nlohmann::json::parse(page("miri/lists/passed/2.json"));
  ASSERT_EQ(last.size(), 500u);
  EXPECT_EQ(last[0][0], "c2000");
  EXPECT_EQ(nlohmann::json::parse(page("miri/lists/passed/0.json")).size(), 1000u);
  EXPECT_EQ(nlohmann::json::parse(page("miri/lists/broken/0.json")),
            nlohmann::json::parse(R"([["gone-dep","0.1.0",3,1.2,4096,[],)"
                                  R"("no matching package named `gone`"]])"));
  const std::string list = page("miri/list.html");
  EXPECT_NE(list.find(R"({"outcome":"passed","kind":"","count":2500,"path":"lists/passed"})"),
            std::string::npos);
  EXPECT_NE(list.find(R"("slice":1000)"), std::string::npos);

  entries.resize(10);
  write_site(*store_, "miri", entries);
  EXPECT_TRUE(store_->head("miri/lists/passed/0.json"));
  EXPECT_FALSE(store_->head("miri/lists/passed/1.json"));
  EXPECT_FALSE(store_->head("miri/lists/broken/0.json"));
}

TEST_F(Site, IndexCountsEveryOutcomeAndShowsOnlyTheFactsRecordsHave) {
  std::vector<CrateEntry> entries = {entry("a", "1.0.0", "passed"), entry("b", "1.0.0", "ub"),
                                     entry("c", "1.0.0", "passed")};
  entries[0].toolchain = "nightly-2024-05-01";
  entries[0].started = "2024-05-02T08:00:00Z";
  entries[1].toolchain = "nightly-2024-05-01";
  entries[1].started = "2024-05-03T10:30:59Z";
  write_site(*store_, "miri", entries);
  const std::string html = page("miri/index.html");
  expect_in_order(html, {R"(<a href="list.html?outcome=passed"><span class="o o-passed">passed)",
                         "<td class=\"n\">2</td>", "66.7%",
                         R"(<a href="list.html?outcome=ub"><span class="o o-ub">ub)",
                         R"(<span class="o o-oom">oom</span></td><td class="n">0</td>)"});
  EXPECT_EQ(html.find("list.html?outcome=oom"), std::string::npos) << "an empty list is no link";
  EXPECT_NE(html.find(R"(<dd id="toolchain"><code>nightly-2024-05-01</code></dd>)"),
            std::string::npos);
  EXPECT_NE(html.find("2024-05-02 08:00 UTC \u2013 2024-05-03 10:30 UTC"), std::string::npos);
  EXPECT_EQ(html.find("id=\"flags\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"registry\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"engine\""), std::string::npos);
}

TEST_F(Site, IndexShowsEachOfSeveralToolchainsWithItsCount) {
  std::vector<CrateEntry> entries = {entry("a", "1.0.0", "passed"), entry("b", "1.0.0", "passed"),
                                     entry("c", "1.0.0", "passed")};
  entries[0].toolchain = entries[1].toolchain = "nightly-2024-05-01";
  entries[2].toolchain = "nightly-2024-06-01";
  entries[2].toolchain_version = "rustc 1.81.0-nightly";
  write_site(*store_, "miri", entries);
  expect_in_order(page("miri/index.html"),
                  {"<code>nightly-2024-05-01</code> <span class=\"dim\">(2 crates)</span><br>",
                   "<code>nightly-2024-06-01 (rustc 1.81.0-nightly)</code> <span "
                   "class=\"dim\">(1 crate)</span>"});
}

TEST_F(Site, SummaryBarsAndKindsLinkToTheirLists) {
  write_site(*store_, "miri",
             {entry("a", "1.0.0", "passed"),
              entry("b", "1.0.0", "ub", 0, {{"Stacked Borrows: retag", "b", false}})});
  const std::string html = page("miri/summary.html");
  expect_in_order(html,
                  {R"(<a href="list.html?outcome=passed" aria-label="passed: 1 crate">)",
                   R"(<g class="bar o-passed">)",
                   R"(<a href="list.html?outcome=ub&amp;kind=Stacked%20Borrows%3A%20retag")"});
}

}  // namespace
}  // namespace report
