#include "prepare/registry_source.h"

#include <gtest/gtest.h>

namespace prepare {
namespace {

TEST(RegistrySource, CratesIoAndSparseAndLocal) {
  const RegistrySource crates_io = parse_registry("crates-io");
  EXPECT_TRUE(crates_io.remote());
  EXPECT_TRUE(crates_io.is_crates_io());
  EXPECT_EQ(crates_io.index, "https://index.crates.io/");
  const RegistrySource mirror = parse_registry("sparse+http://127.0.0.1:8080/index");
  EXPECT_TRUE(mirror.remote());
  EXPECT_FALSE(mirror.is_crates_io());
  EXPECT_EQ(mirror.index, "http://127.0.0.1:8080/index/");
  const RegistrySource local = parse_registry("/tmp");
  EXPECT_EQ(local.kind, RegistrySource::Kind::kDirectory);
  EXPECT_THROW(parse_registry("sparse+ftp://x/"), std::invalid_argument);
  EXPECT_THROW(parse_registry("https://index.crates.io/"), std::invalid_argument);
  EXPECT_THROW(parse_registry("/no/such/folder"), std::invalid_argument);
}

TEST(RegistrySource, IndexFilesAsCargoLooksForThem) {
  EXPECT_EQ(index_file("a"), "1/a");
  EXPECT_EQ(index_file("ab"), "2/ab");
  EXPECT_EQ(index_file("abc"), "3/a/abc");
  EXPECT_EQ(index_file("Serde_Json"), "se/rd/serde_json");
}

TEST(RegistrySource, DownloadUrls) {
  EXPECT_EQ(download_url("https://static.crates.io/crates", "serde", "1.0.0", "ab"),
            "https://static.crates.io/crates/serde/1.0.0/download");
  EXPECT_EQ(download_url("http://m/{prefix}/{crate}-{version}.crate?{sha256-checksum}", "Serde",
                         "1.0.0", "ab"),
            "http://m/Se/rd/Serde-1.0.0.crate?ab");
  EXPECT_EQ(download_url("http://m/{lowerprefix}/{crate}", "Serde", "1", ""),
            "http://m/se/rd/Serde");
  EXPECT_EQ(dl_of_config(R"({"dl": "http://x/api/v1/crates", "api": "http://x"})"),
            "http://x/api/v1/crates");
  EXPECT_THROW(dl_of_config("{}"), std::runtime_error);
}

TEST(RegistrySource, FindsAVersionInAnIndexFile) {
  const std::string index =
      R"({"name":"foo","vers":"1.0.0","deps":[],"cksum":"aa","features":{},"yanked":false})"
      "\n"
      R"({"name":"foo","vers":"1.1.0","deps":[],"cksum":"bb","features":{},"yanked":true})"
      "\n";
  EXPECT_EQ(find_in_index(index, "1.0.0")->checksum, "aa");
  EXPECT_TRUE(find_in_index(index, "1.1.0")->yanked);
  EXPECT_FALSE(find_in_index(index, "2.0.0"));
}

}  // namespace
}  // namespace prepare
