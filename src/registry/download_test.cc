#include "registry/download.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "registry/test_crates.h"
#include "registry/test_server.h"

namespace registry {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// Retries in milliseconds, so that the tests stay fast.
constexpr DownloadOptions kQuick{.attempts = 3, .first_delay = std::chrono::milliseconds(10)};

fs::path made(const fs::path& folder) {
  fs::create_directories(folder);
  return folder;
}

class Download : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(served_ / "crates/foo");
    testing::write_file(served_ / "crates/foo/foo-1.0.0.crate", contents_);
  }

  /// Downloads `path` from the server, expecting a DownloadError.
  DownloadError failure(const std::string& path, const DownloadOptions& options = kQuick) {
    try {
      download(server_.base() + path, to_, options);
    } catch (const DownloadError& e) {
      EXPECT_EQ(leftovers(), "") << "partial file left behind";
      return e;
    }
    ADD_FAILURE() << "no exception for " << path;
    return {"", 0, false};
  }

  /// Files beside the download other than the download itself.
  std::string leftovers() const {
    std::string found;
    for (const auto& entry : fs::directory_iterator(dir_.path())) {
      const std::string name = entry.path().filename().string();
      if (name != "served" && name != "downloaded.crate" && name != "victim") found += name + " ";
    }
    return found;
  }

  testing::TempDir dir_;
  fs::path served_ = made(dir_ / "served");
  fs::path to_ = dir_ / "downloaded.crate";
  std::string contents_ = std::string(300'000, 'c') + "end";
  testing::HttpServer server_{served_};
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(Download, FetchesAFileWhole) {
  download(server_.base() + "/crates/foo/foo-1.0.0.crate", to_, kQuick);
  EXPECT_EQ(testing::read_file(to_), contents_);
  EXPECT_EQ(leftovers(), "");
}

TEST_F(Download, ReplacesAnOlderFile) {
  testing::write_file(to_, "old");
  download(server_.base() + "/crates/foo/foo-1.0.0.crate", to_, kQuick);
  EXPECT_EQ(testing::read_file(to_), contents_);
}

TEST_F(Download, FollowsRedirects) {
  download(server_.base() + "/redirect/crates/foo/foo-1.0.0.crate", to_, kQuick);
  EXPECT_EQ(testing::read_file(to_), contents_);
}

TEST_F(Download, NotFoundNamesTheUrlAndStatusAndIsNotRetried) {
  testing::write_file(to_, "old");
  DownloadError e = failure("/crates/foo/foo-9.9.9.crate");
  EXPECT_EQ(std::string(e.what()),
            "cannot download " + server_.base() + "/crates/foo/foo-9.9.9.crate: 404 Not Found");
  EXPECT_EQ(e.status(), 404);
  EXPECT_TRUE(e.not_found());
  EXPECT_EQ(server_.hits("/crates/foo/foo-9.9.9.crate"), 1);
  EXPECT_EQ(testing::read_file(to_), "old") << "a failed download must not touch the file";
}

TEST_F(Download, OtherClientErrorsAreFinalToo) {
  DownloadError e = failure("/status/403");
  EXPECT_TRUE(contains(e.what(), "403 Forbidden")) << e.what();
  EXPECT_FALSE(e.not_found());
  EXPECT_EQ(server_.hits("/status/403"), 1);
}

TEST_F(Download, ServerErrorsAreRetriedThenReported) {
  DownloadError e = failure("/status/503");
  EXPECT_EQ(std::string(e.what()), "cannot download " + server_.base() +
                                       "/status/503: 503 Service Unavailable (after 3 tries)");
  EXPECT_EQ(e.status(), 503);
  EXPECT_EQ(server_.hits("/status/503"), 3);
}

TEST_F(Download, TooManyRequestsIsRetried) {
  failure("/status/429");
  EXPECT_EQ(server_.hits("/status/429"), 3);
}

TEST_F(Download, APassingServerErrorIsRiddenOut) {
  download(server_.base() + "/flaky/2/crates/foo/foo-1.0.0.crate", to_, kQuick);
  EXPECT_EQ(testing::read_file(to_), contents_);
  EXPECT_EQ(server_.hits("/flaky/2/crates/foo/foo-1.0.0.crate"), 3);
}

TEST_F(Download, ServerDownFailsAfterRetriesQuickly) {
  std::string url = "http://127.0.0.1:" + std::to_string(testing::unused_port()) + "/x.crate";
  auto start = Clock::now();
  try {
    download(url, to_, kQuick);
    FAIL() << "no exception";
  } catch (const DownloadError& e) {
    EXPECT_TRUE(contains(e.what(), "cannot download " + url + ": ")) << e.what();
    EXPECT_TRUE(contains(e.what(), "(after 3 tries)")) << e.what();
    EXPECT_EQ(e.status(), 0);
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(fs::exists(to_));
  EXPECT_EQ(leftovers(), "");
}

TEST_F(Download, AStalledTransferTimesOutWithoutAPartialFile) {
  DownloadOptions options = kQuick;
  options.attempts = 1;
  options.low_speed_time = std::chrono::seconds(1);
  auto start = Clock::now();
  DownloadError e = failure("/stall", options);
  EXPECT_TRUE(contains(e.what(), "/stall")) << e.what();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  EXPECT_FALSE(fs::exists(to_));
}

TEST_F(Download, RefusesFilesLargerThanTheLimit) {
  DownloadOptions options = kQuick;
  options.max_bytes = 1000;
  DownloadError e = failure("/crates/foo/foo-1.0.0.crate", options);
  EXPECT_TRUE(contains(e.what(), "larger than 1000 bytes")) << e.what();
  EXPECT_EQ(server_.hits("/crates/foo/foo-1.0.0.crate"), 1);
  EXPECT_FALSE(fs::exists(to_));
}

TEST_F(Download, NeverFollowsARedirectToALocalFile) {
  DownloadError e = failure("/redirect-to-file");
  EXPECT_TRUE(contains(e.what(), "\"file\"")) << e.what();  // curl: protocol "file" not allowed
  EXPECT_FALSE(fs::exists(to_));
}

TEST_F(Download, SendsOurUserAgent) {
  download(server_.base() + "/agent", to_, kQuick);
  EXPECT_EQ(testing::read_file(to_), user_agent());
  EXPECT_TRUE(user_agent().starts_with("crater-at-home/")) << user_agent();
}

TEST_F(Download, FileUrlsWork) {
  download("file://" + (served_ / "crates/foo/foo-1.0.0.crate").string(), to_, kQuick);
  EXPECT_EQ(testing::read_file(to_), contents_);
}

TEST_F(Download, AMissingFileUrlIsNotFound) {
  try {
    download("file://" + (served_ / "nothing.crate").string(), to_, kQuick);
    FAIL() << "no exception";
  } catch (const DownloadError& e) {
    EXPECT_TRUE(e.not_found()) << e.what();
    EXPECT_TRUE(contains(e.what(), "nothing.crate")) << e.what();
  }
  EXPECT_FALSE(fs::exists(to_));
}

TEST_F(Download, AnUnwritableDestinationIsNamed) {
  fs::path to = dir_ / "no-such-folder" / "x.crate";
  try {
    download(server_.base() + "/crates/foo/foo-1.0.0.crate", to, kQuick);
    FAIL() << "no exception";
  } catch (const DownloadError& e) {
    EXPECT_TRUE(contains(e.what(), (dir_ / "no-such-folder" / ".x.crate.part-").string()))
        << e.what();
  }
}

TEST_F(Download, FollowsNoLinkPlantedAtAPartialName) {
  const fs::path victim = dir_ / "victim";
  testing::write_file(victim, "precious");
  for (const std::string name :
       {"downloaded.crate.tmp", ".downloaded.crate.part-XXXXXX", "downloaded.crate.part"}) {
    fs::create_symlink(victim, dir_ / name);
  }
  download(server_.base() + "/crates/foo/foo-1.0.0.crate", to_, kQuick);
  EXPECT_EQ(testing::read_file(to_), contents_);
  EXPECT_EQ(testing::read_file(victim), "precious");
  EXPECT_FALSE(fs::is_symlink(to_));
}

TEST_F(Download, TwoDownloadsOfOneFileLeaveItWhole) {
  std::vector<std::thread> downloads;
  downloads.reserve(4);
  std::atomic<int> failures = 0;
  for (int i = 0; i < 4; ++i) {
    downloads.emplace_back([&] {
      try {
        download(server_.base() + "/crates/foo/foo-1.0.0.crate", to_, kQuick);
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (std::thread& thread : downloads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(testing::read_file(to_), contents_);
  EXPECT_EQ(leftovers(), "");
}

}  // namespace
}  // namespace registry
