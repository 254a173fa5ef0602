#include "registry/entry_path.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace registry {
namespace {

TEST(EntryPath, SplitsTopFolderFromThePathBelow) {
  EntryPath path = parse_entry_path("serde-1.0.0/src/lib.rs");
  EXPECT_EQ(path.top, "serde-1.0.0");
  EXPECT_EQ(path.below, (RelativePath{"src", "lib.rs"}));
  EXPECT_EQ(to_string(path.below), "src/lib.rs");
}

TEST(EntryPath, DropsEmptyAndDotComponents) {
  EXPECT_EQ(parse_entry_path("./a-1.0//src/./x/").below, (RelativePath{"src", "x"}));
  EXPECT_TRUE(parse_entry_path("a-1.0/").below.empty());
}

TEST(EntryPath, RefusesAbsoluteDotDotAndEmptyNames) {
  EXPECT_THROW(parse_entry_path("/etc/passwd"), std::invalid_argument);
  EXPECT_THROW(parse_entry_path("a-1.0/../../evil"), std::invalid_argument);
  EXPECT_THROW(parse_entry_path("a-1.0/src/.."), std::invalid_argument);
  EXPECT_THROW(parse_entry_path(""), std::invalid_argument);
  EXPECT_THROW(parse_entry_path("./"), std::invalid_argument);
}

TEST(EntryPath, SymlinksClimbingNoHigherThanTheCrateStayInside) {
  EXPECT_TRUE(symlink_stays_inside({"LICENSE"}, "LICENSE-MIT"));
  EXPECT_TRUE(symlink_stays_inside({"sub", "LICENSE"}, "../LICENSE"));
  EXPECT_TRUE(symlink_stays_inside({"a", "b", "c"}, "../../x/y"));
  EXPECT_TRUE(symlink_stays_inside({"link"}, "."));
}

TEST(EntryPath, SymlinksLeavingTheCrateAreRefused) {
  EXPECT_FALSE(symlink_stays_inside({"link"}, "/tmp"));
  EXPECT_FALSE(symlink_stays_inside({"link"}, ".."));
  EXPECT_FALSE(symlink_stays_inside({"sub", "link"}, "../.."));
  EXPECT_FALSE(symlink_stays_inside({"link"}, ""));
}

TEST(EntryPath, SymlinksClimbingAfterDescendingAreRefused) {
  // "b" may be a symlink to somewhere deeper, so "b/../.." may climb out
  // although the names alone stay inside.
  EXPECT_FALSE(symlink_stays_inside({"a", "x"}, "b/../.."));
  EXPECT_FALSE(symlink_stays_inside({"x"}, "sub/../y"));
}

}  // namespace
}  // namespace registry
