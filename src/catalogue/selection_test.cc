#include "catalogue/selection.h"

#include <gtest/gtest.h>

#include <set>

namespace catalogue {
namespace {

Catalogue ten() {
  std::vector<Crate> crates;
  crates.reserve(10);
  for (int i = 0; i < 10; ++i) {
    crates.push_back({"c" + std::to_string(i), "1.0.0", static_cast<uint64_t>(100 - i), ""});
  }
  return Catalogue(std::move(crates));
}

std::vector<std::string> names(const Selected& selected) {
  std::vector<std::string> out;
  for (const auto& crate : selected.crates) out.push_back(crate.name);
  return out;
}

TEST(Selection, AllTopAndReverse) {
  const Catalogue catalogue = ten();
  EXPECT_EQ(select(catalogue, {}).crates.size(), 10u);
  EXPECT_EQ(names(select(catalogue, {.top = 3})), (std::vector<std::string>{"c0", "c1", "c2"}));
  EXPECT_EQ(names(select(catalogue, {.top = 3, .reverse = true})),
            (std::vector<std::string>{"c2", "c1", "c0"}));
  EXPECT_EQ(select(catalogue, {.top = 50}).crates.size(), 10u);
}

TEST(Selection, RandomIsReproducibleAndOrderedByDownloads) {
  const Catalogue catalogue = ten();
  const auto a = names(select(catalogue, {.random = 4, .seed = 7}));
  const auto b = names(select(catalogue, {.random = 4, .seed = 7}));
  const auto c = names(select(catalogue, {.random = 4, .seed = 8}));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.size(), 4u);
  EXPECT_EQ(std::set<std::string>(a.begin(), a.end()).size(), 4u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));  // c0 < c1 < ... by downloads
}

TEST(Selection, SamplePositionsAreFixedForASeed) {
  // mt19937_64's output is fixed by the standard, so this holds everywhere.
  EXPECT_EQ(sample_positions(10, 3, 42), sample_positions(10, 3, 42));
  EXPECT_EQ(sample_positions(5, 9, 1).size(), 5u);
  EXPECT_TRUE(sample_positions(0, 3, 1).empty());
}

TEST(Selection, CrateListWithErrorsStillSelectsTheGoodEntries) {
  const Catalogue catalogue = ten();
  const CrateList list = parse_crate_list("c5 c1 zz 1bad c9", "list");
  const Selected selected = select(catalogue, {.crate_list = &list});
  EXPECT_EQ(names(selected), (std::vector<std::string>{"c1", "c5", "c9"}));
  ASSERT_EQ(selected.errors.size(), 2u);
  EXPECT_NE(selected.errors[0].find("'1bad'"), std::string::npos);
  EXPECT_NE(selected.errors[1].find("'zz'"), std::string::npos);
}

}  // namespace
}  // namespace catalogue
