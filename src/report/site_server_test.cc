#include "report/site_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

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

TEST(AnswerRange, GivesOneRangeOr416OrTheWhole) {
  using K = RangeAnswer::Kind;
  const auto check = [](std::string_view header, uint64_t size, K kind, uint64_t first = 0,
                        uint64_t last = 0) {
    const RangeAnswer answer = answer_range(header, size);
    EXPECT_EQ(answer.kind, kind) << header;
    if (kind == K::kPart) {
      EXPECT_EQ(answer.first, first) << header;
      EXPECT_EQ(answer.last, last) << header;
    }
  };
  check("bytes=0-9", 936, K::kPart, 0, 9);
  check("bytes=900-6000", 936, K::kPart, 900, 935);
  check("bytes=900-", 936, K::kPart, 900, 935);
  check("bytes=-10", 936, K::kPart, 926, 935);
  check("bytes=-5000", 936, K::kPart, 0, 935);
  check("bytes=935-935", 936, K::kPart, 935, 935);
  check("bytes=5000-6000", 936, K::kUnsatisfiable);
  check("bytes=936-", 936, K::kUnsatisfiable);
  check("bytes=-0", 936, K::kUnsatisfiable);
  check("bytes=0-", 0, K::kUnsatisfiable);
  check("bytes=-3", 0, K::kUnsatisfiable);
  // Anything else is ignored, as RFC 9110 allows: the whole object.
  check("bytes=0-1,5-6", 936, K::kWhole);
  check("bytes=9-1", 936, K::kWhole);
  check("bytes=a-b", 936, K::kWhole);
  check("bytes=-", 936, K::kWhole);
  check("items=0-1", 936, K::kWhole);
  check("bytes=99999999999999999999999-", 936, K::kWhole);
}

TEST(EscapeForLog, LeavesNoControlByteForALogOrATerminal) {
  EXPECT_EQ(escape_for_log("/miri/ub"), "/miri/ub");
  EXPECT_EQ(escape_for_log("/a\n200 GET /forged"), "/a\\x0a200 GET /forged");
  EXPECT_EQ(escape_for_log("/a\\b"), "/a\\x5cb");
  EXPECT_EQ(escape_for_log(std::string("/\x1b[31m\x7f\xc3\xa9\0", 10)),
            "/\\x1b[31m\\x7f\\xc3\\xa9\\x00");
}

/// A TCP connection to the server under test, as raw bytes.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  /// False once the server has closed or reset the connection.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  /// Everything until the server closes, or what came within `timeout`.
  std::string read_all(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::string answer;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[65536];
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd polled{fd_, POLLIN, 0};
      if (::poll(&polled, 1, static_cast<int>(left.count())) <= 0) break;
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      answer.append(buffer, static_cast<size_t>(n));
    }
    return answer;
  }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

/// The header block and body of one raw answer.
std::pair<std::string, std::string> split_answer(const std::string& answer) {
  const size_t end = answer.find("\r\n\r\n");
  if (end == std::string::npos) return {answer, ""};
  return {answer.substr(0, end + 2), answer.substr(end + 4)};
}

long resident_kb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
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

    server_ = std::make_unique<SiteServer>(
        root_,
        [this](std::string_view method, std::string_view path, int status) {
          const std::lock_guard lock(log_mutex_);
          log_.push_back(std::string(method) + " " + std::string(path) + " " +
                         std::to_string(status));
        },
        limits());
    port_ = server_->bind("127.0.0.1", 0);
    thread_ = std::thread([this] { server_->run(); });
  }
  virtual SiteServer::Limits limits() const { return {}; }
  void TearDown() override {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
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
  std::mutex log_mutex_;
  std::vector<std::string> log_;
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

TEST_F(Serve, AnswersOneRangeOr416) {
  std::string body;
  for (int i = 0; body.size() < 936; ++i) body += static_cast<char>('a' + i % 26);
  store_->put("miri/raw/r/1.0.0", body);
  const httplib::Result past = get("/miri/raw/r/1.0.0", {{"Range", "bytes=5000-6000"}});
  ASSERT_TRUE(past);
  EXPECT_EQ(past->status, 416);
  EXPECT_EQ(past->get_header_value("Content-Range"), "bytes */936");
  const httplib::Result part = get("/miri/raw/r/1.0.0", {{"Range", "bytes=900-6000"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->get_header_value("Content-Range"), "bytes 900-935/936");
  EXPECT_EQ(part->get_header_value("Content-Length"), "36");
  EXPECT_EQ(part->body, body.substr(900));
  const httplib::Result suffix = get("/miri/raw/r/1.0.0", {{"Range", "bytes=-10"}});
  ASSERT_TRUE(suffix);
  EXPECT_EQ(suffix->status, 206);
  EXPECT_EQ(suffix->body, body.substr(926));
}

TEST_F(Serve, AnswersSeveralRangesWithTheWholeObjectOnce) {
  std::string body(4800, 'x');
  store_->put("miri/raw/r/1.0.0", body);
  std::string ranges = "bytes=0-4799";
  for (int i = 1; i < 600; ++i) ranges += ",0-4799";
  RawClient client(port_);
  ASSERT_TRUE(
      client.send("GET /miri/raw/r/1.0.0 HTTP/1.1\r\nHost: x\r\nRange: " + ranges + "\r\n\r\n"));
  const auto [head, answer_body] = split_answer(client.read_all());
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_NE(head.find("Content-Length: 4800\r\n"), std::string::npos) << head;
  EXPECT_EQ(answer_body, body);
  EXPECT_TRUE(client.closed());
}

TEST_F(Serve, EscapesControlBytesInTheLog) {
  RawClient client(port_);
  ASSERT_TRUE(client.send("GET /miri/a%0a200%20GET%20/forged%1b[31m\\ HTTP/1.0\r\n\r\n"));
  client.read_all();
  server_->stop();
  thread_.join();
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(log_[0], "GET /miri/a\\x0a200 GET /forged\\x1b[31m\\x5c 404");
}

TEST_F(Serve, AnswersThePipelinedFirstRequestCompletelyAndCloses) {
  RawClient client(port_);
  const std::string request = "GET /miri/ub HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(client.send(request + request + request));
  const std::string answer = client.read_all();
  EXPECT_TRUE(client.closed());
  const auto [head, body] = split_answer(answer);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos) << head;
  EXPECT_EQ(body, "<p>findings</p>");
}

TEST_F(Serve, RefusesAHeaderFloodWithoutGrowing) {
  const long before = resident_kb();
  ASSERT_GT(before, 0);
  RawClient client(port_);
  ASSERT_TRUE(client.send("GET /miri/ub HTTP/1.1\r\n"));
  std::string lines;
  while (lines.size() < (64u << 10)) lines += "X-Flood: " + std::string(90, 'a') + "\r\n";
  size_t sent = 0;
  while (sent < (40u << 20) && client.send(lines)) sent += lines.size();
  const std::string answer = client.read_all(std::chrono::seconds(5));
  const long after = resident_kb();
  EXPECT_LT(sent, 40u << 20) << "the server read 40 MB of headers";
  EXPECT_LT(after - before, 32 * 1024) << before << " kB before, " << after << " kB after";
  EXPECT_TRUE(answer.empty() || answer.starts_with("HTTP/1.1 431 ")) << answer.substr(0, 80);
  // And it still answers.
  const httplib::Result result = get("/miri/ub");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

TEST_F(Serve, RefusesTooManyHeaderLines) {
  std::string request = "GET /miri/ub HTTP/1.1\r\n";
  for (int i = 0; i < 200; ++i) request += "X: y\r\n";
  RawClient client(port_);
  client.send(request + "\r\n");
  EXPECT_TRUE(client.read_all().starts_with("HTTP/1.1 431 "));
}

/// Clients that open a connection and send a header line now and then,
/// never finishing their request, or nothing at all.
class SlowClients {
 public:
  SlowClients(int port, int dribbling, int idle) {
    for (int i = 0; i < dribbling + idle; ++i) {
      clients_.push_back(std::make_unique<RawClient>(port));
      if (i < dribbling) clients_.back()->send("GET /miri/ub HTTP/1.1\r\n");
    }
    thread_ = std::thread([this, dribbling] {
      while (!stop_) {
        for (int i = 0; i < dribbling; ++i) clients_[static_cast<size_t>(i)]->send("X-Slow: 1\r\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ~SlowClients() {
    stop_ = true;
    thread_.join();
  }
  bool all_connected() const {
    return std::all_of(clients_.begin(), clients_.end(),
                       [](const auto& client) { return client->connected(); });
  }

 private:
  std::vector<std::unique_ptr<RawClient>> clients_;
  std::atomic<bool> stop_ = false;
  std::thread thread_;
};

TEST_F(Serve, SlowAndIdleClientsDoNotDelayOthers) {
  SlowClients slow(port_, 64, 100);
  ASSERT_TRUE(slow.all_connected());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    RawClient client(port_);
    ASSERT_TRUE(client.send("GET /miri/ub HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::string answer = client.read_all(std::chrono::seconds(5));
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK")) << answer;
    EXPECT_LT(took, std::chrono::milliseconds(100))
        << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  }
}

TEST_F(Serve, StopsAtOnceWithClientsConnected) {
  SlowClients slow(port_, 16, 16);
  ASSERT_TRUE(slow.all_connected());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto start = std::chrono::steady_clock::now();
  server_->stop();
  thread_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
}

class ServeWithTightLimits : public Serve {
 protected:
  SiteServer::Limits limits() const override {
    return {.max_connections = 8, .request_timeout_ms = 300, .send_timeout_ms = 300};
  }
};

TEST_F(ServeWithTightLimits, ClosesAConnectionThatTakesTooLongToAsk) {
  RawClient client(port_);
  const auto start = std::chrono::steady_clock::now();
  client.send("GET /miri/ub HTTP/1.1\r\n");
  for (int i = 0; i < 100 && client.send("X: y\r\n"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  client.read_all(std::chrono::seconds(3));
  EXPECT_TRUE(client.closed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
}

TEST_F(ServeWithTightLimits, MakesRoomForANewConnectionWhenFull) {
  SlowClients slow(port_, 8, 8);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  RawClient client(port_);
  ASSERT_TRUE(client.send("GET /miri/ub HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(client.read_all(std::chrono::seconds(2)).starts_with("HTTP/1.1 200 OK"));
}

TEST_F(ServeWithTightLimits, ClosesAClientThatStopsReading) {
  std::string big(8u << 20, 'x');
  store_->put("miri/raw/big/1.0.0", big);
  RawClient client(port_);
  ASSERT_TRUE(client.send("GET /miri/raw/big/1.0.0 HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  // The server gave up on it: what it sent ends before the object does.
  const std::string answer = client.read_all(std::chrono::seconds(3));
  EXPECT_TRUE(client.closed());
  EXPECT_LT(split_answer(answer).second.size(), big.size());
}

class ServeWithFewConnections : public Serve {
 protected:
  SiteServer::Limits limits() const override { return {.max_connections = 4}; }
};

TEST_F(ServeWithFewConnections, ClientsThatStopReadingCannotHoldEverySlot) {
  store_->put("miri/raw/big/1.0.0", std::string(16u << 20, 'x'));
  std::vector<std::unique_ptr<RawClient>> stuck;
  for (int i = 0; i < 4; ++i) {
    stuck.push_back(std::make_unique<RawClient>(port_));
    ASSERT_TRUE(stuck.back()->send("GET /miri/raw/big/1.0.0 HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  RawClient client(port_);
  ASSERT_TRUE(client.send("GET /miri/ub HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(client.read_all(std::chrono::seconds(2)).starts_with("HTTP/1.1 200 OK"));
}

}  // namespace
}  // namespace report
