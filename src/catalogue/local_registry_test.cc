#include "catalogue/local_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "catalogue/semver.h"

namespace catalogue {
namespace {

namespace fs = std::filesystem;

class LocalRegistry : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cah-local-registry-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void add_crate_folder(const std::string& name, const std::string& version) {
    const fs::path dir = root_ / (name + "-" + version);
    fs::create_directories(dir / "src");
    std::ofstream(dir / "Cargo.toml") << "[package]\nname = \"" << name << "\"\nversion = \""
                                      << version << "\"\nedition = \"2021\"\n";
  }

  fs::path root_;
};

TEST_F(LocalRegistry, DirectoryRegistryPicksTheVersionToTest) {
  add_crate_folder("foo", "1.0.0");
  add_crate_folder("foo", "1.2.0");
  add_crate_folder("foo", "2.0.0-rc.1");
  add_crate_folder("md-5", "0.10.5");
  fs::create_directories(root_ / "not-a-crate");
  std::ofstream(root_ / "README") << "a file, not a crate";

  const auto listing = read_local_registry(root_, {{"foo", "1.0.0"}, {"foo", "9.0.0"}});
  const auto& crates = listing.catalogue.crates();
  ASSERT_EQ(crates.size(), 2u);
  EXPECT_EQ(crates[0], (Crate{"foo", "1.2.0", 0, ""}));
  EXPECT_EQ(crates[1], (Crate{"md-5", "0.10.5", 0, ""}));
  EXPECT_NE(listing.catalogue.find("foo", "1.0.0"), nullptr);
  EXPECT_EQ(listing.catalogue.find("foo", "9.0.0"), nullptr);
  ASSERT_EQ(listing.skipped.size(), 1u);
  EXPECT_NE(listing.skipped[0].find("not-a-crate/Cargo.toml"), std::string::npos);
}

TEST_F(LocalRegistry, CargoLocalRegistryReadsItsIndex) {
  fs::create_directories(root_ / "index/3/f");
  fs::create_directories(root_ / "index/se/rd");
  std::ofstream(root_ / "index/config.json") << R"({"dl":"x"})";
  std::ofstream(root_ / "index/3/f/foo")
      << R"({"name":"foo","vers":"1.0.0","deps":[],"cksum":"aa","features":{},"yanked":false})"
      << "\n"
      << R"({"name":"foo","vers":"1.1.0","deps":[],"cksum":"bb","features":{},"yanked":true})"
      << "\nnot json\n";
  std::ofstream(root_ / "index/se/rd/serde")
      << R"({"name":"serde","vers":"1.0.0","deps":[],"cksum":"cc","features":{}})"
      << "\n";
  const auto listing = read_local_registry(root_, {{"foo", "1.1.0"}});
  ASSERT_EQ(listing.catalogue.size(), 2u);
  EXPECT_EQ(*listing.catalogue.find("foo"), (Crate{"foo", "1.0.0", 0, "aa"}));
  EXPECT_EQ(*listing.catalogue.find("serde"), (Crate{"serde", "1.0.0", 0, "cc"}));
  // A yanked version can still be asked for by name.
  EXPECT_EQ(listing.catalogue.find("foo", "1.1.0")->checksum, "bb");
  ASSERT_EQ(listing.skipped.size(), 1u);
  EXPECT_NE(listing.skipped[0].find("index/3/f/foo:3"), std::string::npos);
}

TEST(LocalRegistryErrors, NotADirectory) {
  EXPECT_THROW(read_local_registry("/nonexistent/registry"), std::runtime_error);
}

// Debian's registry, installed by the test set-up: every crate in it is
// listed, at its highest version. The expectation reads each manifest's
// [package] section with a plain text scan (folder names are not enough:
// Debian keeps crate md-5 in md-0.10.1).
std::pair<std::string, std::string> package_of(const fs::path& manifest) {
  std::ifstream in(manifest);
  std::string line, name, version;
  bool in_package = false;
  const std::regex key(R"re(^(name|version)\s*=\s*"([^"]*)")re");
  while (std::getline(in, line)) {
    if (line.starts_with("[")) in_package = line == "[package]";
    std::smatch match;
    if (in_package && std::regex_search(line, match, key)) {
      (match[1] == "name" ? name : version) = match[2];
    }
  }
  return {name, version};
}

TEST(DebianRegistry, ListsEveryCrateThere) {
  const fs::path registry = "/usr/share/cargo/registry";
  ASSERT_TRUE(fs::is_directory(registry))
      << "the test set-up must install librust-*-dev packages (scripts/install-deps)";
  std::map<std::string, std::string> expected;
  for (const auto& entry : fs::directory_iterator(registry)) {
    const auto [name, version] = package_of(entry.path() / "Cargo.toml");
    ASSERT_FALSE(name.empty() || version.empty()) << entry.path();
    auto [it, inserted] = expected.emplace(name, version);
    if (!inserted && compare_versions(version, it->second) > 0) it->second = version;
  }
  ASSERT_GT(expected.size(), 0u) << "no crates in " << registry;

  const auto listing = read_local_registry(registry);
  EXPECT_TRUE(listing.skipped.empty()) << listing.skipped.front();
  std::map<std::string, std::string> listed;
  for (const auto& crate : listing.catalogue.crates()) listed[crate.name] = crate.version;
  EXPECT_EQ(listed, expected);
}

}  // namespace
}  // namespace catalogue
