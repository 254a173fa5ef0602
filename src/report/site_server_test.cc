#include "report/site_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "report/site.h"
#include "store/store.h"

namespace report {
namespace {

namespace fs = std::filesystem;

TEST(ContentTypeOf, AnswersAsTheBucketWould) {
  EXPECT_EQ(content_type_of("miri/logs/serde/1.0.0"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_of("miri/logs/serde/1.0.0.json"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_of("miri/ub"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_of("miri/403"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_of("miri/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_of("miri/raw/serde/1.0.0"), "text/plain; charset=utf-8");
  EXPECT_EQ(content_type_of("miri/results/serde/1.0.0.json"), "application/json");
  EXPECT_EQ(content_type_of("miri/raw.tar.xz"), "application/x-xz");
  EXPECT_EQ(content_type_of("crates.bin"), "application/octet-stream");
}

class Serve : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("cah-serve-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "store";
    fs::create_directories(root_);
    store_ = store::open_store("file://" + root_.string());
    store_->put("miri/index.html", "<p>index</p>");
    store_->put("miri/403", "<p>no such log</p>");
    store_->put("miri/ub", "<p>findings</p>");
    store_->put("miri/logs/serde/1.0.0", "<p>serde log</p>");
    store_->put("miri/logs/meta/1.0.0+build.5", "<p>meta log</p>");
    store_->put("miri/raw/serde/1.0.0", "\x1b[32mok\x1b[0m\r\n");
    store_->put("miri/results/serde/1.0.0.json", "{}");
    store_->put("miri/raw.tar.xz", "xz");
    store_->put("asan/raw/x/1.0.0", "no site for asan");

    server_ = std::make_unique<SiteServer>(root_);
    port_ = server_->bind("127.0.0.1", 0);
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
    fs::remove_all(base_);
  }

  httplib::Result get(const std::string& path, const httplib::Headers& headers = {}) {
    httplib::Client client("127.0.0.1", port_);
    return client.Get(path, headers);
  }

  /// The status line of a request sent as it is, for paths a client
  /// library would tidy up first.
  std::string raw_status(const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port_));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    std::string answer;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) answer.append(buffer, n);
    ::close(fd);
    return answer.substr(0, answer.find("\r\n"));
  }

  fs::path base_, root_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SiteServer> server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(Serve, GivesEachKeyTheBucketsContentType) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/miri/logs/serde/1.0.0", "text/html; charset=utf-8"},
      {"/miri/ub", "text/html; charset=utf-8"},
      {"/miri/index.html", "text/html; charset=utf-8"},
      {"/miri/raw/serde/1.0.0", "text/plain; charset=utf-8"},
      {"/miri/results/serde/1.0.0.json", "application/json"},
      {"/miri/raw.tar.xz", "application/x-xz"},
  };
  for (const auto& [path, type] : cases) {
    const httplib::Result result = get(path);
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, 200) << path;
    EXPECT_EQ(result->get_header_value("Content-Type"), type) << path;
    EXPECT_EQ(result->body, store_->get(path.substr(1))) << path;
  }
}

TEST_F(Serve, DecodesPercentEncodedKeys) {
  const httplib::Result result = get("/miri/logs/meta/1.0.0%2Bbuild.5");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "<p>meta log</p>");
}

TEST_F(Serve, ServesAFoldersIndexAndRedirectsToIt) {
  const httplib::Result index = get("/miri/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->body, "<p>index</p>");
  const httplib::Result bare = get("/miri");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 302);
  EXPECT_EQ(bare->get_header_value("Location"), "/miri/");
}

TEST_F(Serve, ListsTheToolsWithASite) {
  const httplib::Result result = get("/");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_NE(result->body.find("<a href=\"miri/\">miri</a>"), std::string::npos);
  EXPECT_EQ(result->body.find("asan"), std::string::npos);
}

TEST_F(Serve, AnswersAMissingKeyWithTheToolsErrorPage) {
  const httplib::Result missing = get("/miri/logs/nope/1.0.0");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, "<p>no such log</p>");
  EXPECT_EQ(missing->get_header_value("Content-Type"), "text/html; charset=utf-8");
  const httplib::Result elsewhere = get("/asan/logs/x/1.0.0");
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 404);
  EXPECT_EQ(elsewhere->body, "404 not found\n");
  const httplib::Result folder = get("/miri/logs");
  ASSERT_TRUE(folder);
  EXPECT_EQ(folder->status, 404);
}

TEST_F(Serve, HeadSendsTheLengthWithoutTheBody) {
  httplib::Client client("127.0.0.1", port_);
  const httplib::Result result = client.Head("/miri/logs/serde/1.0.0");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Length"), "16");
  EXPECT_EQ(result->body, "");
}

TEST_F(Serve, RefusesOtherMethods) {
  httplib::Client client("127.0.0.1", port_);
  const httplib::Result result = client.Post("/miri/ub", "x", "text/plain");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 405);
  EXPECT_EQ(result->get_header_value("Allow"), "GET, HEAD");
}

TEST_F(Serve, NeverLeavesTheStore) {
  std::ofstream(base_ / "secret") << "secret";
  fs::create_directories(root_ / "miri/logs/leak");
  fs::create_symlink(base_ / "secret", root_ / "miri/logs/leak/1.0.0");
  fs::create_directory_symlink(base_, root_ / "miri/logs/up");
  fs::create_symlink(root_ / "miri/logs/serde/1.0.0", root_ / "miri/logs/alias");
  for (const std::string path :
       {"/../secret", "/miri/../../secret", "/miri/%2e%2e/%2e%2e/secret", "/miri/logs/leak/1.0.0",
        "/miri/logs/up/secret", "//secret", "/miri/./ub"}) {
    const std::string status = raw_status("GET " + path + " HTTP/1.0\r\n\r\n");
    EXPECT_FALSE(status.ends_with(" 200 OK")) << path << ": " << status;
  }
  // Links that end inside the store are fine, whichever way they go.
  EXPECT_EQ(raw_status("GET /miri/logs/alias HTTP/1.0\r\n\r\n"), "HTTP/1.1 200 OK");
  EXPECT_EQ(raw_status("GET /miri/logs/up/store/miri/ub HTTP/1.0\r\n\r\n"), "HTTP/1.1 200 OK");
}

TEST_F(Serve, HidesTheStoresTemporaries) {
  std::ofstream(root_ / "miri/logs/serde/1.0.0.cah-tmp-123") << "half";
  const httplib::Result result = get("/miri/logs/serde/1.0.0.cah-tmp-123");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
}

TEST_F(Serve, ASecondServerCannotTakeThePort) {
  SiteServer second(root_);
  EXPECT_THROW(second.bind("127.0.0.1", port_), std::runtime_error);
}

TEST_F(Serve, StreamsBigObjectsAndRanges) {
  std::string big;
  for (int i = 0; big.size() < (48u << 20); ++i) big += "line " + std::to_string(i) + "\r\n";
  store_->put("miri/raw/big/1.0.0", big);
  const httplib::Result whole = get("/miri/raw/big/1.0.0");
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->body.size(), big.size());
  EXPECT_TRUE(whole->body == big);
  const httplib::Result range = get("/miri/raw/big/1.0.0", {{"Range", "bytes=2000000-2000009"}});
  ASSERT_TRUE(range);
  EXPECT_EQ(range->status, 206);
  EXPECT_EQ(range->body, big.substr(2000000, 10));
}

}  // namespace
}  // namespace report
