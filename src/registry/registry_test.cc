#include "registry/registry.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "registry/crates_io.h"
#include "registry/local_registry.h"
#include "registry/sha256.h"
#include "registry/test_archive.h"
#include "registry/test_crates.h"
#include "registry/test_server.h"

namespace registry {
namespace {

namespace fs = std::filesystem;
using Reason = FetchError::Reason;
using testing::RealCrate;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

fs::path made(const fs::path& folder) {
  fs::create_directories(folder);
  return folder;
}

std::string top_folder(const catalogue::Crate& krate) { return krate.name + "-" + krate.version; }

/// Writes `krate`'s .crate to `file` and returns its SHA-256.
std::string write_crate(const RealCrate& krate, const fs::path& file) {
  fs::create_directories(file.parent_path());
  testing::write_crate(krate.dir, top_folder(krate.krate), file);
  return sha256_file(file);
}

/// Flips a few bytes in the middle, as a bad mirror or disk might.
void corrupt(const fs::path& file) {
  std::string bytes = testing::read_file(file);
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 4; ++i)
    bytes[i] = static_cast<char>(~bytes[i]);
  testing::write_file(file, bytes);
}

/// Fetches, expecting a FetchError for `reason`; checks no target is left.
std::string refusal(Registry& registry, const catalogue::Crate& krate, const fs::path& target,
                    Reason reason) {
  try {
    registry.fetch(krate, target);
    ADD_FAILURE() << "no exception";
    return "";
  } catch (const FetchError& e) {
    EXPECT_EQ(e.reason(), reason) << e.what();
    EXPECT_FALSE(fs::exists(fs::symlink_status(target))) << "target left behind";
    return e.what();
  }
}

// --- crates.io, served from a loopback HTTP server -------------------------

class CratesIoFetch : public ::testing::Test {
 protected:
  void SetUp() override {
    crates_ = testing::smallest_real_crates(2);
    for (auto& krate : crates_) krate.krate.checksum = write_crate(krate, crate_file(krate.krate));
  }

  fs::path crate_file(const catalogue::Crate& krate) const {
    return served_ / "crates" / krate.name / (top_folder(krate) + ".crate");
  }

  /// Only the served files and the server's own are left in the scratch folder.
  void expect_no_leftovers() {
    for (const auto& entry : fs::directory_iterator(dir_.path())) {
      EXPECT_EQ(entry.path(), served_) << "left behind";
    }
  }

  testing::TempDir dir_;
  fs::path served_ = made(dir_ / "served");
  testing::HttpServer server_{served_};
  std::vector<RealCrate> crates_;
};

TEST_F(CratesIoFetch, FetchesRealCratesIdenticalToTheirSource) {
  auto registry = open_registry("crates-io", server_.base());
  for (const auto& krate : crates_) {
    fs::path target = dir_ / "work" / top_folder(krate.krate);
    registry->fetch(krate.krate, target);
    EXPECT_EQ(testing::snapshot(target), testing::snapshot(krate.dir)) << krate.dir;
    EXPECT_FALSE(fs::exists(target.string() + ".crate")) << "downloaded .crate left behind";
  }
  fs::remove_all(dir_ / "work");
  expect_no_leftovers();
}

TEST_F(CratesIoFetch, FetchesWithoutAChecksumToo) {
  catalogue::Crate krate = crates_[0].krate;
  krate.checksum.clear();
  open_registry("crates-io", server_.base())->fetch(krate, dir_ / "target");
  EXPECT_EQ(testing::snapshot(dir_ / "target"), testing::snapshot(crates_[0].dir));
}

TEST_F(CratesIoFetch, ACorruptDownloadFailsItsChecksum) {
  const catalogue::Crate& krate = crates_[0].krate;
  corrupt(crate_file(krate));
  auto registry = open_registry("crates-io", server_.base());
  std::string message = refusal(*registry, krate, dir_ / "target", Reason::kInvalid);
  EXPECT_TRUE(message.starts_with(krate.name + " " + krate.version + ": ")) << message;
  EXPECT_TRUE(contains(message, "checksum mismatch")) << message;
  EXPECT_TRUE(contains(message, "expected " + krate.checksum)) << message;
  EXPECT_TRUE(contains(message, "got " + sha256_file(crate_file(krate)))) << message;
  EXPECT_TRUE(contains(message, server_.base() + "/crates/" + krate.name + "/")) << message;
  expect_no_leftovers();
}

TEST_F(CratesIoFetch, ACorruptDownloadWithoutAChecksumIsABrokenArchive) {
  catalogue::Crate krate = crates_[0].krate;
  krate.checksum.clear();
  fs::resize_file(crate_file(krate), fs::file_size(crate_file(krate)) / 2);
  auto registry = open_registry("crates-io", server_.base());
  std::string message = refusal(*registry, krate, dir_ / "target", Reason::kInvalid);
  EXPECT_TRUE(contains(message, "broken archive")) << message;
  expect_no_leftovers();
}

TEST_F(CratesIoFetch, AMissingCrateIsNotFoundNamingTheUrl) {
  catalogue::Crate krate{.name = "no-such-crate", .version = "0.1.0"};
  auto registry = open_registry("crates-io", server_.base());
  std::string message = refusal(*registry, krate, dir_ / "target", Reason::kNotFound);
  EXPECT_EQ(message, "no-such-crate 0.1.0: cannot download " + server_.base() +
                         "/crates/no-such-crate/no-such-crate-0.1.0.crate: 404 Not Found");
  expect_no_leftovers();
}

TEST_F(CratesIoFetch, AServerThatIsDownIsUnavailableAfterQuickRetries) {
  CratesIo registry("http://127.0.0.1:" + std::to_string(testing::unused_port()),
                    {.attempts = 3, .first_delay = std::chrono::milliseconds(10)});
  auto start = std::chrono::steady_clock::now();
  std::string message = refusal(registry, crates_[0].krate, dir_ / "target", Reason::kUnavailable);
  EXPECT_TRUE(contains(message, "(after 3 tries)")) << message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  expect_no_leftovers();
}

TEST_F(CratesIoFetch, RefusesATargetThatExists) {
  fs::create_directory(dir_ / "target");
  auto registry = open_registry("crates-io", server_.base());
  EXPECT_THROW(registry->fetch(crates_[0].krate, dir_ / "target"), std::invalid_argument);
}

TEST(CratesIo, DownloadsFromTheStaticHost) {
  auto registry = open_registry("crates-io");
  EXPECT_EQ(registry->describe(), "crates-io (https://static.crates.io)");
  EXPECT_EQ(CratesIo(CratesIo::kBase).url_of({.name = "serde", .version = "1.0.152"}),
            "https://static.crates.io/crates/serde/serde-1.0.152.crate");
  EXPECT_EQ(open_registry("crates-io", "http://mirror.example/")->describe(),
            "crates-io (http://mirror.example)");
}

TEST(OpenRegistry, NamesAndVersionsThatArePathsAreRefusedByEveryKind) {
  testing::TempDir dir;
  fs::create_directories(dir / "local-registry/index");
  std::vector<std::unique_ptr<Registry>> registries;
  registries.push_back(open_registry("crates-io", "http://127.0.0.1:1"));
  registries.push_back(open_registry(dir.path().string()));
  registries.push_back(open_registry((dir / "local-registry").string()));
  for (auto& registry : registries) {
    for (const catalogue::Crate& krate : {catalogue::Crate{.name = "../../etc", .version = "1.0.0"},
                                          catalogue::Crate{.name = "a", .version = "1/../../b"},
                                          catalogue::Crate{.name = "", .version = "1.0.0"}}) {
      std::string message = refusal(*registry, krate, dir / "target", Reason::kNotFound);
      EXPECT_TRUE(contains(message, "is not a crate name and version")) << message;
    }
  }
}

TEST(OpenRegistry, RefusesWhatIsNeitherCratesIoNorAFolder) {
  EXPECT_THROW(open_registry("/nonexistent/registry"), std::invalid_argument);
  EXPECT_THROW(open_registry("/etc/passwd"), std::invalid_argument);
}

// --- a directory registry ----------------------------------------------------

class DirectoryRegistryFetch : public ::testing::Test {
 protected:
  void SetUp() override {
    crates_ = testing::smallest_real_crates(2);
    for (const auto& krate : crates_) {
      fs::copy(krate.dir, registry_ / top_folder(krate.krate),
               fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    }
  }

  fs::path copy_of(const RealCrate& krate) const { return registry_ / top_folder(krate.krate); }

  testing::TempDir dir_;
  fs::path registry_ = made(dir_ / "registry");
  fs::path target_ = dir_ / "target";
  std::vector<RealCrate> crates_;
};

TEST_F(DirectoryRegistryFetch, CopiesRealCratesIdentically) {
  auto registry = open_registry(registry_.string());
  EXPECT_EQ(registry->describe(), "local registry " + registry_.string());
  for (const auto& krate : crates_) {
    fs::path target = dir_ / "work" / top_folder(krate.krate);
    registry->fetch(krate.krate, target);
    EXPECT_EQ(testing::snapshot(target), testing::snapshot(krate.dir)) << krate.dir;
  }
}

TEST_F(DirectoryRegistryFetch, FetchesFromDebiansRegistryItself) {
  RealCrate krate = testing::median_real_crate();
  open_registry(testing::kDebianRegistry.string())->fetch(krate.krate, target_);
  EXPECT_EQ(testing::snapshot(target_), testing::snapshot(krate.dir));
}

TEST_F(DirectoryRegistryFetch, FindsACrateWhoseFolderHasAnotherName) {
  // As Debian keeps md-5 0.10.1 in md-0.10.1/: the manifest decides.
  const RealCrate& krate = crates_[0];
  fs::rename(copy_of(krate), registry_ / "renamed-folder");
  auto registry = open_registry(registry_.string());
  registry->fetch(krate.krate, target_);
  EXPECT_EQ(testing::snapshot(target_), testing::snapshot(krate.dir));
  catalogue::Crate other = krate.krate;
  other.version = "999.0.0";
  EXPECT_THROW(registry->fetch(other, dir_ / "other"), FetchError);
}

TEST_F(DirectoryRegistryFetch, KeepsSymlinksThatStayInside) {
  fs::create_symlink("Cargo.toml", copy_of(crates_[0]) / "MANIFEST");
  fs::create_directory(copy_of(crates_[0]) / "sub");
  fs::create_symlink("../Cargo.toml", copy_of(crates_[0]) / "sub/MANIFEST");
  open_registry(registry_.string())->fetch(crates_[0].krate, target_);
  EXPECT_EQ(testing::snapshot(target_), testing::snapshot(copy_of(crates_[0])));
  EXPECT_EQ(fs::read_symlink(target_ / "sub/MANIFEST"), "../Cargo.toml");
}

TEST_F(DirectoryRegistryFetch, RefusesSymlinksLeadingOutside) {
  fs::create_symlink("/etc/passwd", copy_of(crates_[0]) / "passwd");
  auto registry = open_registry(registry_.string());
  std::string message = refusal(*registry, crates_[0].krate, target_, Reason::kInvalid);
  EXPECT_TRUE(contains(message, "passwd")) << message;
}

TEST_F(DirectoryRegistryFetch, RefusesFifos) {
  ASSERT_EQ(mkfifo((copy_of(crates_[0]) / "fifo").c_str(), 0644), 0);
  auto registry = open_registry(registry_.string());
  std::string message = refusal(*registry, crates_[0].krate, target_, Reason::kInvalid);
  EXPECT_TRUE(contains(message, "fifo")) << message;
}

TEST_F(DirectoryRegistryFetch, AMissingVersionIsNotFound) {
  catalogue::Crate krate = crates_[0].krate;
  krate.version = "0.0.0-missing";
  auto registry = open_registry(registry_.string());
  EXPECT_EQ(refusal(*registry, krate, target_, Reason::kNotFound),
            krate.name + " 0.0.0-missing is not in local registry " + registry_.string());
}

// --- a cargo local-registry --------------------------------------------------

class LocalRegistryFetch : public ::testing::Test {
 protected:
  void SetUp() override {
    crates_ = testing::smallest_real_crates(2);
    for (const auto& krate : crates_) {
      std::string checksum = write_crate(krate, crate_file(krate.krate));
      add_to_index(krate.krate, checksum);
    }
  }

  fs::path crate_file(const catalogue::Crate& krate) const {
    return registry_ / (top_folder(krate) + ".crate");
  }

  void add_to_index(const catalogue::Crate& krate, const std::string& checksum) {
    fs::path index = registry_ / "index" / LocalRegistry::index_path(krate.name);
    fs::create_directories(index.parent_path());
    std::ofstream(index, std::ios::app)
        << R"({"name":")" << krate.name << R"(","vers":")" << krate.version
        << R"(","deps":[],"cksum":")" << checksum << R"(","features":{},"yanked":false})"
        << "\n";
  }

  testing::TempDir dir_;
  fs::path registry_ = made(dir_ / "registry");
  fs::path target_ = dir_ / "target";
  std::vector<RealCrate> crates_;
};

TEST(LocalRegistry, IndexPathsFollowCargosLayout) {
  EXPECT_EQ(LocalRegistry::index_path("a"), "1/a");
  EXPECT_EQ(LocalRegistry::index_path("ab"), "2/ab");
  EXPECT_EQ(LocalRegistry::index_path("abc"), "3/a/abc");
  EXPECT_EQ(LocalRegistry::index_path("Serde_JSON"), "se/rd/serde_json");
}

TEST_F(LocalRegistryFetch, FetchesRealCratesIdenticalToTheirSource) {
  auto registry = open_registry(registry_.string());
  EXPECT_EQ(registry->describe(), "local registry " + registry_.string());
  for (const auto& krate : crates_) {
    fs::path target = dir_ / "work" / top_folder(krate.krate);
    registry->fetch(krate.krate, target);
    EXPECT_EQ(testing::snapshot(target), testing::snapshot(krate.dir)) << krate.dir;
  }
  EXPECT_TRUE(fs::exists(crate_file(crates_[0].krate))) << "the registry's own file is kept";
}

TEST_F(LocalRegistryFetch, ATargetWeCannotWriteIsUnavailable) {
  auto registry = open_registry(registry_.string());
  refusal(*registry, crates_[0].krate, "/proc/self/cah-target", Reason::kUnavailable);
}

TEST_F(LocalRegistryFetch, ACorruptCrateFailsTheIndexChecksum) {
  corrupt(crate_file(crates_[0].krate));
  auto registry = open_registry(registry_.string());
  std::string message = refusal(*registry, crates_[0].krate, target_, Reason::kInvalid);
  EXPECT_TRUE(contains(message, "checksum mismatch")) << message;
  EXPECT_TRUE(contains(message, crate_file(crates_[0].krate).string())) << message;
}

TEST_F(LocalRegistryFetch, TheCataloguesChecksumComesFirst) {
  catalogue::Crate krate = crates_[0].krate;
  krate.checksum = sha256("another file");
  auto registry = open_registry(registry_.string());
  std::string message = refusal(*registry, krate, target_, Reason::kInvalid);
  EXPECT_TRUE(contains(message, "expected " + krate.checksum)) << message;
}

TEST_F(LocalRegistryFetch, AMissingVersionIsNotFound) {
  catalogue::Crate krate = crates_[0].krate;
  krate.version = "0.0.0-missing";
  auto registry = open_registry(registry_.string());
  EXPECT_EQ(refusal(*registry, krate, target_, Reason::kNotFound),
            krate.name + " 0.0.0-missing is not in local registry " + registry_.string());
  krate.name = "no-such-crate";
  refusal(*registry, krate, target_, Reason::kNotFound);
}

TEST_F(LocalRegistryFetch, AListedVersionWithoutItsFileIsInvalid) {
  catalogue::Crate krate = crates_[0].krate;
  krate.version = "99.0.0";
  add_to_index(krate, "");
  auto registry = open_registry(registry_.string());
  std::string message = refusal(*registry, krate, target_, Reason::kInvalid);
  EXPECT_TRUE(contains(message, top_folder(krate) + ".crate")) << message;
}

}  // namespace
}  // namespace registry
