#include "catalogue/catalogue.h"

#include <gtest/gtest.h>

namespace catalogue {
namespace {

TEST(Catalogue, MostDownloadedFirstThenByName) {
  const Catalogue catalogue(
      {{"b", "1.0.0", 5, ""}, {"a", "2.0.0", 5, ""}, {"c", "0.1.0", 9, ""}, {"d", "1.0.0", 0, ""}});
  std::vector<std::string> names;
  for (const auto& crate : catalogue.crates()) names.push_back(crate.name);
  EXPECT_EQ(names, (std::vector<std::string>{"c", "a", "b", "d"}));
}

TEST(Catalogue, FindsTheVersionToTestAndPinnedVersions) {
  const Catalogue catalogue({{"serde", "1.0.152", 10, "abc"}}, {{"serde", "1.0.100", 10, "def"}});
  ASSERT_NE(catalogue.find("serde"), nullptr);
  EXPECT_EQ(catalogue.find("serde")->version, "1.0.152");
  EXPECT_EQ(catalogue.find("serde", "1.0.152")->checksum, "abc");
  EXPECT_EQ(catalogue.find("serde", "1.0.100")->checksum, "def");
  EXPECT_EQ(catalogue.find("serde", "0.9.0"), nullptr);
  EXPECT_EQ(catalogue.find("serde_json"), nullptr);
}

}  // namespace
}  // namespace catalogue
