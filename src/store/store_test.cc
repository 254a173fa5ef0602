// Store behaviour every backend must share. Runs against file:// here; the
// S3 backend joins the same suite when it lands.

#include "store/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cah-store-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    store_ = open_store("file://" + root_.string());
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreConformance, PutThenGetIsByteExact) {
  const std::string bytes("raw \x1b[31mbytes\x00\xff kept", 22);
  store_->put("miri/raw/serde/1.0.0", bytes);
  EXPECT_EQ(store_->get("miri/raw/serde/1.0.0"), bytes);
  store_->put("miri/raw/serde/1.0.0", "replaced");
  EXPECT_EQ(store_->get("miri/raw/serde/1.0.0"), "replaced");
  store_->put("empty", "");
  EXPECT_EQ(store_->get("empty"), "");
}

TEST_F(StoreConformance, MissingKeys) {
  EXPECT_EQ(store_->get("nothing/here"), std::nullopt);
  EXPECT_EQ(store_->head("nothing/here"), std::nullopt);
  EXPECT_TRUE(store_->list("").empty());
  store_->remove("nothing/here");  // not an error
}

TEST_F(StoreConformance, HeadSaysSizeAndAge) {
  const auto before = std::chrono::system_clock::now() - 2s;
  store_->put("crates.json", "[[\"a\",\"1.0.0\"]]");
  const auto info = store_->head("crates.json");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->key, "crates.json");
  EXPECT_EQ(info->size, 15u);
  EXPECT_GT(info->last_modified, before);
  EXPECT_LT(info->last_modified, std::chrono::system_clock::now() + 2s);
}

TEST_F(StoreConformance, ListsByPrefixInKeyOrder) {
  for (const char* key : {"t/raw/b/1", "t/raw/a/2", "t/raw/a/1", "t/logs/a/1", "u/raw/a/1"}) {
    store_->put(key, key);
  }
  std::vector<std::string> keys;
  for (const auto& object : store_->list("t/raw/")) keys.push_back(object.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"t/raw/a/1", "t/raw/a/2", "t/raw/b/1"}));
  EXPECT_EQ(store_->list("").size(), 5u);
  EXPECT_EQ(store_->list("t/raw/a/1")[0].size, 9u);
}

TEST_F(StoreConformance, RemoveDeletes) {
  store_->put("a/b", "x");
  store_->remove("a/b");
  EXPECT_EQ(store_->get("a/b"), std::nullopt);
}

TEST_F(StoreConformance, KeysWithUnusualCharacters) {
  for (const std::string key : {"t/raw/a+b/1.0.0+build.5", "t/raw/x@y/1", "t/raw/with space/1",
                                "t/raw/ünïcødé/1.0.0-ß", "t/raw/%41/1"}) {
    store_->put(key, key);
    EXPECT_EQ(store_->get(key), key) << key;
  }
  EXPECT_EQ(store_->list("t/raw/").size(), 5u);
}

TEST_F(StoreConformance, RefusesKeysThatEscape) {
  for (const char* key : {"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a/"}) {
    EXPECT_THROW(store_->put(key, "x"), StoreError) << key;
    EXPECT_THROW(store_->get(key), StoreError) << key;
  }
  EXPECT_FALSE(fs::exists(root_.parent_path() / "x"));
}

TEST(FileStore, LeavesNoTemporaryFilesAndWritesIntoItsRoot) {
  const fs::path root = fs::temp_directory_path() / ("cah-store-tmp-" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto store = open_store(root.string());  // a plain path works too
  store->put("a/b/c", "bytes");
  std::ifstream in(root / "a/b/c");
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "bytes");
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) files += entry.is_regular_file();
  EXPECT_EQ(files, 1u);
  EXPECT_EQ(store->url(), "file://" + root.string());
  fs::remove_all(root);
}

TEST(FileStore, AnUnwritableRootIsAClearError) {
  auto store = open_store("file:///proc/cah-cannot-write-here");
  try {
    store->put("a", "x");
    FAIL() << "put into /proc succeeded";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/cah-cannot-write-here"), std::string::npos)
        << e.what();
  }
}

TEST(OpenStore, UnderstandsItsUrls) {
  EXPECT_THROW(open_store("ftp://x"), StoreError);
  EXPECT_THROW(open_store("file://"), StoreError);
  EXPECT_THROW(open_store("s3://bucket"), StoreError);  // until the S3 backend lands
}

}  // namespace
}  // namespace store
