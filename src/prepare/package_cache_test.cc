#include "prepare/package_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "registry/registry.h"
#include "registry/sha256.h"
#include "registry/test_archive.h"

namespace prepare {
namespace {

namespace fs = std::filesystem;

class PackageCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cah-cache-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "src/itoa-1.0.5/src");
    std::ofstream(root_ / "src/itoa-1.0.5/Cargo.toml") << "[package]\nname = \"itoa\"\n";
    std::ofstream(root_ / "src/itoa-1.0.5/src/lib.rs") << "pub fn x() {}\n";
    crate_file_ = root_ / "itoa-1.0.5.crate";
    registry::testing::write_crate(root_ / "src/itoa-1.0.5", "itoa-1.0.5", crate_file_);
    checksum_ = registry::sha256_file(crate_file_);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string url() const { return "file://" + crate_file_.string(); }
  registry::DownloadOptions quick() const {
    return {.attempts = 1, .first_delay = std::chrono::milliseconds(1)};
  }

  fs::path root_;
  fs::path crate_file_;
  std::string checksum_;
};

TEST_F(PackageCacheTest, DownloadsOnceAndUnpacksForCargo) {
  PackageCache cache(root_ / "cache");
  const auto first = cache.ensure("itoa", "1.0.5", checksum_, url(), quick());
  EXPECT_TRUE(first.downloaded);
  EXPECT_GT(first.bytes_added, 0u);
  const fs::path package = cache.package("itoa-1.0.5");
  EXPECT_TRUE(fs::exists(package / "src/lib.rs"));
  std::ifstream checksum_file(package / ".cargo-checksum.json");
  const std::string checksum_json{std::istreambuf_iterator<char>(checksum_file), {}};
  EXPECT_EQ(checksum_json, R"({"package":")" + checksum_ + R"(","files":{}})");

  fs::remove(crate_file_);  // a second ensure must not need it
  const auto second = cache.ensure("itoa", "1.0.5", checksum_, url(), quick());
  EXPECT_FALSE(second.downloaded);
  EXPECT_EQ(second.bytes_added, 0u);
  EXPECT_EQ(cache.usage().packages, 1u);
  EXPECT_EQ(cache.usage().bytes, first.bytes_added);
  EXPECT_TRUE(fs::is_empty(root_ / "cache/tmp"));
}

TEST_F(PackageCacheTest, PreparationsNeedingOnePackageAtOnceDownloadItOnce) {
  std::atomic<int> downloads = 0;
  std::vector<std::thread> preparations;
  preparations.reserve(4);
  for (int i = 0; i < 4; ++i) {
    // A cache object each, as separate preparation processes have.
    preparations.emplace_back([&] {
      PackageCache cache(root_ / "cache");
      if (cache.ensure("itoa", "1.0.5", checksum_, url(), quick()).downloaded) ++downloads;
    });
  }
  for (std::thread& preparation : preparations) preparation.join();
  EXPECT_EQ(downloads, 1);
  EXPECT_EQ(PackageCache(root_ / "cache").usage().packages, 1u);
}

TEST_F(PackageCacheTest, AWrongChecksumIsRefusedAndLeavesNothing) {
  PackageCache cache(root_ / "cache");
  const std::string wrong(64, 'a');
  try {
    cache.ensure("itoa", "1.0.5", wrong, url(), quick());
    FAIL() << "no error";
  } catch (const registry::FetchError& e) {
    EXPECT_EQ(e.reason(), registry::FetchError::Reason::kInvalid);
    EXPECT_NE(std::string(e.what()).find("checksum mismatch"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(url()), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(cache.package("itoa-1.0.5")));
  EXPECT_TRUE(fs::is_empty(root_ / "cache/tmp"));
  EXPECT_THROW(cache.ensure("itoa", "1.0.5", "", url(), quick()), registry::FetchError);
  EXPECT_THROW(cache.ensure("itoa", "9.9.9", checksum_, url() + "-gone", quick()),
               registry::FetchError);
}

TEST_F(PackageCacheTest, TemporariesOfDeadProcessesGo) {
  PackageCache cache(root_ / "cache");
  // A pid no process has: beyond pid_max.
  fs::create_directories(root_ / "cache/tmp/99999999-abcdef/itoa-1.0.5");
  const fs::path mine = cache.make_scratch();
  EXPECT_EQ(cache.remove_stale_temporaries(), 1u);
  EXPECT_FALSE(fs::exists(root_ / "cache/tmp/99999999-abcdef"));
  EXPECT_TRUE(fs::exists(mine));
}

TEST_F(PackageCacheTest, EvictsTheLeastRecentlyUsedFirst) {
  PackageCache cache(root_ / "cache");
  for (const char* name : {"a", "b", "c"}) {
    const fs::path package = cache.package(std::string(name) + "-1.0.0");
    fs::create_directories(package);
    std::ofstream(package / ".cah-bytes") << 1000;
  }
  // b was used last, a before c.
  const auto now = fs::file_time_type::clock::now();
  fs::last_write_time(cache.package("a-1.0.0"), now - std::chrono::hours(30));
  fs::last_write_time(cache.package("c-1.0.0"), now - std::chrono::hours(20));
  fs::last_write_time(cache.package("b-1.0.0"), now - std::chrono::hours(10));
  EXPECT_EQ(cache.usage().bytes, 3000u);

  // a is kept (a crate in flight uses it): c goes.
  const auto evicted = cache.evict(2000, {"a-1.0.0"}, std::chrono::hours(1));
  EXPECT_EQ(evicted.packages, 1u);
  EXPECT_FALSE(fs::exists(cache.package("c-1.0.0")));
  // Over the limit, only what was not used within the last day goes.
  EXPECT_EQ(cache.evict(0, {}, std::chrono::hours(24)).packages, 1u);
  EXPECT_TRUE(fs::exists(cache.package("b-1.0.0")));
  EXPECT_FALSE(fs::exists(cache.package("a-1.0.0")));
}

}  // namespace
}  // namespace prepare
