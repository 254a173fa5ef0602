#include "catalogue/crate_list.h"

#include <gtest/gtest.h>

namespace catalogue {
namespace {

TEST(CrateList, ParsesEveryForm) {
  const CrateList list = parse_crate_list(
      "serde\n  regex@1.7.1\tlibc/0.2.139 # a comment\n\n# only a comment\n"
      "rand_core@0.6.4+build.1 syn@2.0.0-rc.1",
      "list.txt");
  EXPECT_TRUE(list.errors.empty());
  ASSERT_EQ(list.requests.size(), 5u);
  EXPECT_EQ(list.requests[0].name, "serde");
  EXPECT_FALSE(list.requests[0].version);
  EXPECT_EQ(list.requests[1].name, "regex");
  EXPECT_EQ(list.requests[1].version, "1.7.1");
  EXPECT_EQ(list.requests[2].name, "libc");
  EXPECT_EQ(list.requests[2].version, "0.2.139");
  EXPECT_EQ(list.requests[2].line, 2);
  EXPECT_EQ(list.requests[3].version, "0.6.4+build.1");
  EXPECT_EQ(list.requests[4].version, "2.0.0-rc.1");
  EXPECT_EQ(list.pinned_versions().size(), 4u);
}

// Errors go to a terminal: an entry's control bytes (found by
// crate_list_fuzz) are shown, not sent.
TEST(CrateList, ErrorsShowControlBytesEscaped) {
  const CrateList list = parse_crate_list(std::string("a\x1b]0;owned\x07"
                                                      "b s") +
                                              '\0' + "x caf\xc3\xa9 back\\slash\n",
                                          "l\x1bst");
  ASSERT_EQ(list.errors.size(), 4u);
  EXPECT_TRUE(list.errors[0].starts_with("l\\x1bst:1: 'a\\x1b]0;owned\\x07b': not"))
      << list.errors[0];
  EXPECT_TRUE(list.errors[1].starts_with("l\\x1bst:1: 's\\x00x'")) << list.errors[1];
  EXPECT_TRUE(list.errors[2].starts_with("l\\x1bst:1: 'caf\\xc3\\xa9'")) << list.errors[2];
  EXPECT_TRUE(list.errors[3].starts_with("l\\x1bst:1: 'back\\x5cslash'")) << list.errors[3];
  for (const std::string& error : list.errors) {
    for (const char c : error) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << error;
  }
}

TEST(CrateList, OneErrorLinePerMalformedEntry) {
  const CrateList list =
      parse_crate_list("good\n9lives bad@ @1.0 a@b@c x/\nno$pe fine@1.0.0\n", "crates.txt");
  ASSERT_EQ(list.requests.size(), 2u);
  EXPECT_EQ(list.requests[0].name, "good");
  EXPECT_EQ(list.requests[1].name, "fine");
  ASSERT_EQ(list.errors.size(), 6u);
  EXPECT_EQ(list.errors[0],
            "crates.txt:2: '9lives': not a crate name (expected NAME, NAME@VERSION or "
            "NAME/VERSION)");
  EXPECT_TRUE(list.errors[1].starts_with("crates.txt:2: 'bad@': not a version after"))
      << list.errors[1];
  EXPECT_NE(list.errors[3].find("'a@b@c'"), std::string::npos);
  EXPECT_NE(list.errors[5].find("crates.txt:3: 'no$pe'"), std::string::npos);
}

TEST(CrateList, ResolvesAgainstTheCatalogueAndNamesWhatIsMissing) {
  const Catalogue catalogue({{"serde", "1.0.152", 100, ""}, {"regex", "1.7.1", 50, ""}},
                            {{"regex", "1.6.0", 50, ""}});
  const CrateList list =
      parse_crate_list("regex serde nosuch regex@1.6.0 regex@9.9.9 serde@1.0.152 serde\n", "l");
  std::vector<std::string> errors;
  const auto crates = resolve(list, catalogue, errors);
  ASSERT_EQ(crates.size(), 3u);  // serde once, regex at both versions
  EXPECT_EQ(crates[0].name, "serde");
  EXPECT_EQ(crates[1].name, "regex");
  EXPECT_EQ(crates[2].name, "regex");
  EXPECT_NE(crates[1].version, crates[2].version);
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "unknown crate 'nosuch': not in the catalogue",
                        "unknown version 'regex@9.9.9': the catalogue has regex 1.7.1 but not "
                        "9.9.9"}));
}

TEST(CrateList, ValidNames) {
  EXPECT_TRUE(valid_crate_name("serde_json"));
  EXPECT_TRUE(valid_crate_name("md-5"));
  EXPECT_FALSE(valid_crate_name("_x"));
  EXPECT_FALSE(valid_crate_name("a.b"));
  EXPECT_FALSE(valid_crate_name(std::string(65, 'a')));
}

}  // namespace
}  // namespace catalogue
