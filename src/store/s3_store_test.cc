// What only the s3:// store does, against the server CAH_TEST_S3_URL and the
// AWS_* settings name (scripts/start-s3); skipped without one. The
// behaviour it shares with file:// is in store_test.cc.

#include "store/s3_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "store/s3_client.h"
#include "store/s3_config.h"

namespace store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr size_t kMiB = size_t{1} << 20;

/// A store of its own under the test bucket, emptied afterwards.
class S3StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("CAH_TEST_S3_URL");
    if (!url || !*url) GTEST_SKIP() << "no S3 server: eval \"$(scripts/start-s3)\" first";
    std::string_view rest = std::string_view(url).substr(5);  // after s3://
    bucket_ = std::string(rest.substr(0, rest.find('/')));
    prefix_ = rest.size() > bucket_.size() ? std::string(rest.substr(bucket_.size() + 1)) + "/"
                                           : std::string();
    prefix_ += "s3-store-test-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name();
    config_ = read_s3_config();
    store_ = std::make_unique<S3Store>(bucket_, prefix_, config_);
  }
  void TearDown() override {
    if (!store_) return;
    for (const auto& object : store_->list("")) store_->remove(object.key);
    S3Store cleaner(bucket_, prefix_, config_, {.stale_upload_age = 0s});
    cleaner.remove_stale_temporaries("");
  }

  /// Debian's AWS CLI, with our server and keys, or nothing.
  std::string aws() const {
    if (!fs::exists("/usr/bin/aws")) return "";
    return "/usr/bin/aws --endpoint-url '" + config_.endpoint_url + "' --region " + config_.region +
           " s3api ";
  }

  std::string bucket_;
  std::string prefix_;  // the store's, no trailing '/'
  S3Config config_;
  std::unique_ptr<S3Store> store_;
};

struct Output {
  int status;
  std::string text;
};

/// Runs `command` through the shell; its standard output and exit status.
Output run(const std::string& command) {
  Output output{-1, ""};
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return output;
  std::array<char, 4096> buffer;
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
    output.text.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  output.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// Bytes that would show a shifted, dropped or repeated piece.
std::string numbered_bytes(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7919) >> 8);
  return bytes;
}

TEST_F(S3StoreTest, TheAwsCliReadsWhatWePut) {
  if (aws().empty()) GTEST_SKIP() << "/usr/bin/aws is missing (apt-get install awscli)";
  const fs::path out = fs::temp_directory_path() / ("cah-s3-aws-" + std::to_string(::getpid()));
  // One PutObject, and a multipart upload of three parts.
  const std::string small = std::string("raw \x1b[31mlog\x00\xff\n", 14) + "\xc3\xbc";
  store_->put("t/raw/a+b/1.0.0+x", small, "text/plain; charset=utf-8");
  const std::string big = numbered_bytes(20 * kMiB + 3);
  auto writer = store_->open_writer("t/raw/big @/1", "application/x-xz");
  for (size_t at = 0; at < big.size(); at += 3 * kMiB + 1)
    writer->write(big.substr(at, 3 * kMiB + 1));
  writer->commit();

  for (const auto& [key, bytes, type] :
       {std::tuple{std::string("t/raw/a+b/1.0.0+x"), small, "text/plain; charset=utf-8"},
        std::tuple{std::string("t/raw/big @/1"), big, "application/x-xz"}}) {
    const Output got = run(aws() + "get-object --bucket " + bucket_ + " --key '" + prefix_ + "/" +
                           key + "' " + out.string());
    ASSERT_EQ(got.status, 0) << got.text;
    EXPECT_NE(got.text.find(std::string("\"ContentType\": \"") + type + "\""), std::string::npos)
        << got.text;
    EXPECT_TRUE(read_file(out) == bytes) << key;
  }
  const Output head =
      run(aws() + "head-object --bucket " + bucket_ + " --key '" + prefix_ + "/t/raw/big @/1'");
  EXPECT_NE(head.text.find("-3\\\"\""), std::string::npos) << "not 3 parts: " << head.text;
  fs::remove(out);
}

TEST_F(S3StoreTest, WeReadWhatTheAwsCliPuts) {
  if (aws().empty()) GTEST_SKIP() << "/usr/bin/aws is missing (apt-get install awscli)";
  const fs::path in = fs::temp_directory_path() / ("cah-s3-aws-" + std::to_string(::getpid()));
  const std::string bytes = numbered_bytes(100'000);
  std::ofstream(in, std::ios::binary) << bytes;
  const Output put = run(aws() + "put-object --bucket " + bucket_ + " --key '" + prefix_ +
                         "/t/from aws/\xc3\x9f' --body " + in.string());
  ASSERT_EQ(put.status, 0) << put.text;
  EXPECT_TRUE(store_->get("t/from aws/\xc3\x9f") == bytes);
  EXPECT_EQ(store_->list("t/")[0].key, "t/from aws/\xc3\x9f");
  fs::remove(in);
}

TEST_F(S3StoreTest, CleansUpUploadsOfDeadWritersOnly) {
  // A writer that died mid-upload leaves its multipart upload behind.
  S3Client client(config_);
  const S3Response started = client.send({.method = "POST",
                                          .url = config_.bucket_url(bucket_) + "/" +
                                                 s3_encode(prefix_ + "/t/raw/dead/1", true) +
                                                 s3_query({{"uploads", ""}})});
  ASSERT_TRUE(started.ok()) << started.describe();

  S3Store eager(bucket_, prefix_, config_, {.stale_upload_age = 0s});
  auto open = eager.open_writer("t/raw/open/1");
  open->write(numbered_bytes(9 * kMiB));  // begins an upload of its own

  // Both are younger than a day.
  EXPECT_EQ(store_->remove_stale_temporaries(""), 0u);
  // Taken as old, but the open writer's upload is its own store's.
  EXPECT_EQ(eager.remove_stale_temporaries("t/raw/other/"), 0u);
  EXPECT_EQ(eager.remove_stale_temporaries("t/raw/"), 1u);
  EXPECT_EQ(eager.remove_stale_temporaries(""), 0u);
  open->commit();
  EXPECT_EQ(store_->head("t/raw/open/1")->size, 9 * kMiB);
}

TEST_F(S3StoreTest, FailuresNameTheKeyAndTheCauseButNoSecret) {
  S3Config wrong = config_;
  wrong.secret_access_key = "not-the-secret-at-all";
  S3Store unsigned_store(bucket_, prefix_, wrong);
  try {
    unsigned_store.put("t/raw/a/1", "x");
    FAIL() << "a PUT with the wrong secret succeeded";
  } catch (const StoreError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("t/raw/a/1"), std::string::npos) << message;
    EXPECT_NE(message.find("403"), std::string::npos) << message;
    EXPECT_EQ(message.find("not-the-secret"), std::string::npos) << message;
    EXPECT_EQ(message.find(config_.secret_access_key), std::string::npos) << message;
  }

  S3Store nowhere("cah-no-such-bucket", "", config_);
  try {
    nowhere.get("t/raw/a/1");
    FAIL() << "a GET from a missing bucket succeeded";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("NoSuchBucket"), std::string::npos) << e.what();
  }
}

TEST_F(S3StoreTest, AnUnreachableServerIsTriedAgainThenNamed) {
  S3Config unreachable = config_;
  unreachable.endpoint_url = "http://127.0.0.1:1";
  unreachable.max_attempts = 3;
  unreachable.first_retry_delay = 10ms;
  S3Store store(bucket_, prefix_, unreachable);
  try {
    store.put("t/raw/a/1", "x");
    FAIL() << "a PUT to a closed port succeeded";
  } catch (const StoreError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("t/raw/a/1"), std::string::npos) << message;
    EXPECT_NE(message.find("(after 3 tries)"), std::string::npos) << message;
  }
}

TEST_F(S3StoreTest, ReadStreamsTheObject) {
  const std::string bytes = numbered_bytes(20 * kMiB + 5);
  store_->put("t/raw/big/1", bytes);
  std::string got;
  size_t pieces = 0;
  EXPECT_TRUE(store_->read("t/raw/big/1", [&](std::string_view piece) {
    got += piece;
    ++pieces;
  }));
  EXPECT_TRUE(got == bytes);
  EXPECT_GT(pieces, 1u);
  EXPECT_FALSE(store_->read("t/raw/none/1", [](std::string_view) { FAIL(); }));
  // A sink that throws ends the transfer with its own exception.
  EXPECT_THROW(
      store_->read("t/raw/big/1", [](std::string_view) { throw std::runtime_error("disk full"); }),
      std::runtime_error);
  EXPECT_EQ(store_->get("t/raw/big/1")->size(), bytes.size());  // the connection still works
}

/// s3_fault_proxy.py in front of the test server, for as long as it lives.
class FaultProxy {
 public:
  /// `upstream` is "http://127.0.0.1:PORT"; see the script for the modes.
  FaultProxy(const std::string& upstream, const std::string& mode) {
    const std::string port = upstream.substr(upstream.rfind(':') + 1);
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      ::execlp("python3", "python3", CAH_S3_FAULT_PROXY, port.c_str(), mode.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(out[1]);
    char buffer[32] = {};
    size_t got = 0;
    while (got < sizeof buffer - 1) {
      const ssize_t n = ::read(out[0], buffer + got, 1);
      if (n <= 0 || buffer[got] == '\n') break;
      got += static_cast<size_t>(n);
    }
    ::close(out[0]);
    buffer[got] = '\0';
    url_ = std::string("http://127.0.0.1:") + buffer;
  }
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;
  ~FaultProxy() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

/// The fault tests need the test server on loopback, where a proxy can
/// stand in front of it.
bool on_loopback(const S3Config& config) {
  return config.endpoint_url.starts_with("http://127.0.0.1:");
}

/// The store, but through `proxy`, trying `attempts` times with short waits.
std::unique_ptr<S3Store> through(const FaultProxy& proxy, const std::string& bucket,
                                 const std::string& prefix, S3Config config, int attempts = 6) {
  config.endpoint_url = proxy.url();
  config.max_attempts = attempts;
  config.first_retry_delay = 1ms;
  return std::make_unique<S3Store>(bucket, prefix, std::move(config));
}

/// A bit of everything a store does, a multipart upload included.
void exercise(Store& store) {
  const std::string big = numbered_bytes(20 * kMiB + 1);
  store.put("t/raw/a/1", "small", "text/plain; charset=utf-8");
  auto writer = store.open_writer("t/raw/big/1");
  for (size_t at = 0; at < big.size(); at += kMiB) writer->write(big.substr(at, kMiB));
  writer->commit();
  EXPECT_EQ(store.get("t/raw/a/1"), "small");
  EXPECT_TRUE(store.get("t/raw/big/1") == big);
  EXPECT_EQ(store.head("t/raw/big/1")->size, big.size());
  EXPECT_EQ(store.list("t/raw/").size(), 2u);
  store.remove("t/raw/a/1");
  EXPECT_EQ(store.get("t/raw/a/1"), std::nullopt);
  EXPECT_EQ(store.remove_stale_temporaries(""), 0u);
}

TEST_F(S3StoreTest, TriesAgainAfterSlowDown) {
  if (!on_loopback(config_)) GTEST_SKIP() << "the test server is not on 127.0.0.1";
  const FaultProxy proxy(config_.endpoint_url, "slowdown");
  exercise(*through(proxy, bucket_, prefix_, config_));
}

TEST_F(S3StoreTest, TriesAgainAfterADroppedConnection) {
  if (!on_loopback(config_)) GTEST_SKIP() << "the test server is not on 127.0.0.1";
  const FaultProxy proxy(config_.endpoint_url, "reset");
  exercise(*through(proxy, bucket_, prefix_, config_));
}

TEST_F(S3StoreTest, ACompleteWhoseAnswerWasLostIsCheckedAgainstTheObject) {
  if (!on_loopback(config_)) GTEST_SKIP() << "the test server is not on 127.0.0.1";
  const FaultProxy proxy(config_.endpoint_url, "lost-complete");
  exercise(*through(proxy, bucket_, prefix_, config_));
}

TEST_F(S3StoreTest, AnUploadLostBeforeCompleteIsAnError) {
  if (!on_loopback(config_)) GTEST_SKIP() << "the test server is not on 127.0.0.1";
  const FaultProxy proxy(config_.endpoint_url, "never-completed");
  auto store = through(proxy, bucket_, prefix_, config_);
  store->put("t/raw/big/1", "old");
  auto writer = store->open_writer("t/raw/big/1");
  writer->write(numbered_bytes(9 * kMiB));
  try {
    writer->commit();
    FAIL() << "a commit whose upload was lost succeeded";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("CompleteMultipartUpload: 404 NoSuchUpload"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(store->get("t/raw/big/1"), "old");
}

TEST_F(S3StoreTest, ACompleteAnsweredWithAnErrorBodyIsTriedAgain) {
  if (!on_loopback(config_)) GTEST_SKIP() << "the test server is not on 127.0.0.1";
  const FaultProxy proxy(config_.endpoint_url, "complete-error");
  exercise(*through(proxy, bucket_, prefix_, config_));
}

TEST_F(S3StoreTest, GivesUpAfterTheLastTry) {
  if (!on_loopback(config_)) GTEST_SKIP() << "the test server is not on 127.0.0.1";
  const FaultProxy failing(config_.endpoint_url, "always-503");
  try {
    through(failing, bucket_, prefix_, config_, 3)->put("t/raw/a/1", "x");
    FAIL() << "a PUT through a failing server succeeded";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("t/raw/a/1: PutObject: 503 ServiceUnavailable"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("(after 3 tries)"), std::string::npos) << e.what();
  }
  // One try only: the first SlowDown is final.
  const FaultProxy slow(config_.endpoint_url, "slowdown");
  EXPECT_THROW(through(slow, bucket_, prefix_, config_, 1)->get("t/raw/a/1"), StoreError);
}

TEST_F(S3StoreTest, PutsManyAtOnce) {
  std::vector<std::pair<std::string, std::string>> objects;
  objects.reserve(301);
  for (int i = 0; i < 300; ++i) {
    objects.emplace_back("t/many/" + std::to_string(1000 + i), std::to_string(i));
  }
  store_->put_many(objects, "application/json");
  const auto listed = store_->list("t/many/");
  ASSERT_EQ(listed.size(), objects.size());
  for (size_t i = 0; i < objects.size(); ++i) EXPECT_EQ(listed[i].key, objects[i].first);
  EXPECT_EQ(store_->get("t/many/1299"), "299");

  objects.emplace_back("t/../escape", "x");
  EXPECT_THROW(store_->put_many(objects), StoreError);
}

TEST_F(S3StoreTest, SaysItsUrl) {
  EXPECT_EQ(store_->url(), "s3://" + bucket_ + "/" + prefix_);
  EXPECT_EQ(S3Store(bucket_, "", config_).url(), "s3://" + bucket_);
  EXPECT_EQ(open_store("s3://" + bucket_ + "/a/b/")->url(), "s3://" + bucket_ + "/a/b");
}

}  // namespace
}  // namespace store
