#include "catalogue/snapshot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace catalogue {
namespace {

namespace fs = std::filesystem;

TEST(Snapshot, RoundTripsThroughTheStoreInTheOriginalFormat) {
  const fs::path root = fs::temp_directory_path() / ("cah-snapshot-" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto store = store::open_store(root.string());
  EXPECT_FALSE(read_snapshot(*store));
  EXPECT_FALSE(snapshot_age(*store));

  write_snapshot(*store, Catalogue({{"serde", "1.0.152", 100, "ab"}, {"itoa", "1.0.5", 7, ""}}));
  EXPECT_EQ(store->get("crates.json"), R"([["serde","1.0.152"],["itoa","1.0.5"]])");
  EXPECT_EQ(store->get("downloads.json"), R"({"itoa":7,"serde":100})");
  const auto catalogue = read_snapshot(*store);
  ASSERT_TRUE(catalogue);
  ASSERT_EQ(catalogue->size(), 2u);
  EXPECT_EQ(catalogue->crates()[0], (Crate{"serde", "1.0.152", 100, ""}));
  EXPECT_EQ(catalogue->crates()[1], (Crate{"itoa", "1.0.5", 7, ""}));
  ASSERT_TRUE(snapshot_age(*store));
  EXPECT_LT(*snapshot_age(*store), std::chrono::minutes(1));

  store->put("crates.json", "[[\"a\"]]");
  EXPECT_THROW(read_snapshot(*store), std::runtime_error);
  fs::remove_all(root);
}

}  // namespace
}  // namespace catalogue
