// Store behaviour every backend must share. Each conformance test runs
// against file:// and against s3://, the latter when CAH_TEST_S3_URL (for
// example s3://cah-test) and the AWS_* settings name a server: see
// scripts/start-s3.

#include "store/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Above the 64 KiB a FileStore gathers before writing.
constexpr size_t kLargeWrite = 100 * size_t{1024};

/// The test's name, fit to be a path's part ("PutThenGetIsByteExact-s3").
std::string test_name() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::replace(name.begin(), name.end(), '/', '-');
  return name;
}

/// The S3 bucket (and prefix) to test against, or nothing.
std::optional<std::string> s3_test_url() {
  const char* url = std::getenv("CAH_TEST_S3_URL");
  if (!url || !*url) return std::nullopt;
  return std::string(url);
}

/// A place of its own in the test bucket for one test process, so that
/// tests running side by side (ctest -j) never meet.
std::string s3_scratch_url(const std::string& url) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return url + "/store-test-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) + "/" +
         test_name();
}

/// Removes every object under the store, for a test's teardown.
void remove_everything(Store& store) {
  for (const auto& object : store.list("")) store.remove(object.key);
}

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    // The store one level down: a key that escaped it would land in a
    // folder of this test's own, not in /tmp where anyone may write.
    root_ = fs::temp_directory_path() /
            ("cah-store-test-" + std::to_string(::getpid()) + "-" + test_name()) / "store";
    fs::remove_all(root_.parent_path());
    if (GetParam() == "file") {
      store_ = open_store("file://" + root_.string());
      return;
    }
    const auto url = s3_test_url();
    if (!url) GTEST_SKIP() << "no S3 server: eval \"$(scripts/start-s3)\" to test s3:// too";
    store_ = open_store(s3_scratch_url(*url));
  }
  void TearDown() override {
    fs::remove_all(root_.parent_path());
    if (store_ && GetParam() == "s3") remove_everything(*store_);
  }

  fs::path root_;
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::Values("file", "s3"),
                         [](const auto& info) { return info.param; });

TEST_P(StoreConformance, PutThenGetIsByteExact) {
  const std::string bytes("raw \x1b[31mbytes\x00\xff kept", 21);
  store_->put("miri/raw/serde/1.0.0", bytes);
  EXPECT_EQ(store_->get("miri/raw/serde/1.0.0"), bytes);
  store_->put("miri/raw/serde/1.0.0", "replaced");
  EXPECT_EQ(store_->get("miri/raw/serde/1.0.0"), "replaced");
  store_->put("empty", "");
  EXPECT_EQ(store_->get("empty"), "");
}

TEST_P(StoreConformance, MissingKeys) {
  EXPECT_EQ(store_->get("nothing/here"), std::nullopt);
  EXPECT_EQ(store_->head("nothing/here"), std::nullopt);
  EXPECT_TRUE(store_->list("").empty());
  store_->remove("nothing/here");  // not an error
}

TEST_P(StoreConformance, HeadSaysSizeAndAge) {
  const auto before = std::chrono::system_clock::now() - 2s;
  store_->put("crates.json", R"([["a","1.0.0"]])");
  const auto info = store_->head("crates.json");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->key, "crates.json");
  EXPECT_EQ(info->size, 15u);
  EXPECT_GT(info->last_modified, before);
  EXPECT_LT(info->last_modified, std::chrono::system_clock::now() + 2s);
}

TEST_P(StoreConformance, ListsByPrefixInKeyOrder) {
  for (const char* key : {"t/raw/b/1", "t/raw/a/2", "t/raw/a/1", "t/logs/a/1", "u/raw/a/1"}) {
    store_->put(key, key);
  }
  std::vector<std::string> keys;
  for (const auto& object : store_->list("t/raw/")) keys.push_back(object.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"t/raw/a/1", "t/raw/a/2", "t/raw/b/1"}));
  EXPECT_EQ(store_->list("").size(), 5u);
  EXPECT_EQ(store_->list("t/raw/a/1")[0].size, 9u);
}

TEST_P(StoreConformance, RemoveDeletes) {
  store_->put("a/b", "x");
  store_->remove("a/b");
  EXPECT_EQ(store_->get("a/b"), std::nullopt);
}

TEST_P(StoreConformance, KeysWithUnusualCharacters) {
  for (const std::string key : {"t/raw/a+b/1.0.0+build.5", "t/raw/x@y/1", "t/raw/with space/1",
                                "t/raw/ünïcødé/1.0.0-ß", "t/raw/%41/1"}) {
    store_->put(key, key);
    EXPECT_EQ(store_->get(key), key) << key;
  }
  EXPECT_EQ(store_->list("t/raw/").size(), 5u);
}

TEST_P(StoreConformance, RefusesKeysThatEscape) {
  for (const char* key : {"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a/"}) {
    EXPECT_THROW(store_->put(key, "x"), StoreError) << key;
    EXPECT_THROW(store_->get(key), StoreError) << key;
    EXPECT_THROW(store_->open_writer(key), StoreError) << key;
  }
  EXPECT_FALSE(fs::exists(root_.parent_path() / "x"));
}

TEST_P(StoreConformance, PutTakesAContentType) {
  store_->put("t/page/a/1.html", "<html></html>", "text/html; charset=utf-8");
  EXPECT_EQ(store_->get("t/page/a/1.html"), "<html></html>");
}

TEST_P(StoreConformance, WriterStreamsChunksIntoOneObject) {
  const std::string big(2 * kLargeWrite, '\x07');
  auto writer = store_->open_writer("t/raw/a/1", "text/plain");
  writer->write("first ");
  writer->write("");
  writer->write(std::string_view("\x00\xff\x1b[0m ", 7));
  writer->write(big);
  writer->write(" last");
  EXPECT_EQ(writer->bytes_written(), 6u + 7u + big.size() + 5u);
  writer->commit();
  EXPECT_EQ(store_->get("t/raw/a/1"),
            "first " + std::string("\x00\xff\x1b[0m ", 7) + big + " last");
  EXPECT_EQ(store_->head("t/raw/a/1")->size, writer->bytes_written());

  auto empty = store_->open_writer("t/raw/empty/1");
  empty->commit();
  EXPECT_EQ(store_->get("t/raw/empty/1"), "");
}

TEST_P(StoreConformance, NothingIsVisibleBeforeCommit) {
  auto writer = store_->open_writer("t/raw/a/1");
  writer->write(std::string(kLargeWrite, 'x'));
  EXPECT_EQ(store_->get("t/raw/a/1"), std::nullopt);
  EXPECT_EQ(store_->head("t/raw/a/1"), std::nullopt);
  EXPECT_TRUE(store_->list("").empty());
  writer->commit();
  EXPECT_EQ(store_->list("").size(), 1u);
}

TEST_P(StoreConformance, AWriterDroppedWithoutCommitLeavesNothing) {
  {
    auto writer = store_->open_writer("t/raw/a/1");
    writer->write(std::string(kLargeWrite, 'x'));
  }
  EXPECT_EQ(store_->get("t/raw/a/1"), std::nullopt);
  EXPECT_TRUE(store_->list("").empty());
  EXPECT_EQ(store_->remove_stale_temporaries(""), 0u);
}

TEST_P(StoreConformance, AbortLeavesNothingAndEndsTheWriter) {
  auto writer = store_->open_writer("t/raw/a/1");
  writer->write("some bytes");
  writer->abort();
  writer->abort();  // again: nothing happens
  EXPECT_EQ(store_->get("t/raw/a/1"), std::nullopt);
  EXPECT_TRUE(store_->list("").empty());
  EXPECT_THROW(writer->write("more"), std::logic_error);
  EXPECT_THROW(writer->commit(), std::logic_error);
  EXPECT_EQ(store_->get("t/raw/a/1"), std::nullopt);
}

TEST_P(StoreConformance, WriteAfterCommitIsALogicError) {
  auto writer = store_->open_writer("t/raw/a/1");
  writer->write("done");
  writer->commit();
  EXPECT_THROW(writer->write("more"), std::logic_error);
  EXPECT_THROW(writer->commit(), std::logic_error);
  writer->abort();  // too late to take it back
  writer.reset();
  EXPECT_EQ(store_->get("t/raw/a/1"), "done");
}

TEST_P(StoreConformance, AWriterKeepsTheOldObjectUntilCommit) {
  store_->put("t/raw/a/1", "old");
  auto aborted = store_->open_writer("t/raw/a/1");
  aborted->write("never seen");
  aborted->abort();
  EXPECT_EQ(store_->get("t/raw/a/1"), "old");

  auto writer = store_->open_writer("t/raw/a/1");
  writer->write(std::string(kLargeWrite, 'n'));
  EXPECT_EQ(store_->get("t/raw/a/1"), "old");
  EXPECT_EQ(store_->head("t/raw/a/1")->size, 3u);
  writer->commit();
  EXPECT_EQ(store_->get("t/raw/a/1"), std::string(kLargeWrite, 'n'));
}

TEST_P(StoreConformance, TheLastCommitWins) {
  auto first = store_->open_writer("t/raw/a/1");
  auto second = store_->open_writer("t/raw/a/1");
  second->write("second");
  first->write("first");
  first->commit();
  second->commit();
  EXPECT_EQ(store_->get("t/raw/a/1"), "second");
  EXPECT_EQ(store_->list("").size(), 1u);
}

TEST_P(StoreConformance, WritesAnObjectOf64MiBInChunks) {
  constexpr size_t kMiB = size_t{1} << 20;
  constexpr size_t kChunks = 64;
  auto writer = store_->open_writer("t/raw/big/1");
  std::string chunk(kMiB, '\0');
  for (size_t i = 0; i < kChunks; ++i) {
    std::fill(chunk.begin(), chunk.end(), static_cast<char>('A' + i % 26));
    chunk.back() = '\n';
    writer->write(chunk);
  }
  EXPECT_EQ(writer->bytes_written(), kMiB * kChunks);
  writer->commit();
  EXPECT_EQ(store_->head("t/raw/big/1")->size, kMiB * kChunks);
  const auto bytes = store_->get("t/raw/big/1");
  ASSERT_TRUE(bytes.has_value());
  ASSERT_EQ(bytes->size(), kMiB * kChunks);
  for (size_t i = 0; i < kChunks; ++i) {
    const std::string_view got = std::string_view(*bytes).substr(i * kMiB, kMiB);
    ASSERT_EQ(got.find_first_not_of(static_cast<char>('A' + i % 26)), kMiB - 1) << "chunk " << i;
    ASSERT_EQ(got.back(), '\n') << "chunk " << i;
  }
}

TEST_P(StoreConformance, CleaningUpNeverTakesAnOpenWriter) {
  auto writer = store_->open_writer("t/raw/a/1");
  writer->write("still writing");
  EXPECT_EQ(store_->remove_stale_temporaries(""), 0u);
  EXPECT_EQ(store_->remove_stale_temporaries("t/raw/"), 0u);
  writer->write(", done");
  writer->commit();
  EXPECT_EQ(store_->get("t/raw/a/1"), "still writing, done");
  EXPECT_EQ(store_->remove_stale_temporaries(""), 0u);
  EXPECT_EQ(store_->get("t/raw/a/1"), "still writing, done");
}

TEST_P(StoreConformance, ListsUnusualKeysAsTheyWere) {
  std::vector<std::string> keys = {
      "t/a+b/1.0.0+build.5", "t/x@y/1",   "t/with space/1", "t/ünïcødé/ß",   "t/%41/1",
      "t/a&b=c;d,e/1",       "t/q?h#f/1", "t/<tag>'\"/1",   "t/tab\tand*/1", "t/~$!()/1"};
  for (const auto& key : keys) store_->put(key, key);
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> listed;
  for (const auto& object : store_->list("t/")) {
    listed.push_back(object.key);
    EXPECT_EQ(object.size, object.key.size()) << object.key;
  }
  EXPECT_EQ(listed, keys);
  for (const auto& key : keys) {
    ASSERT_TRUE(store_->head(key).has_value()) << key;
    EXPECT_EQ(store_->head(key)->key, key);
    store_->remove(key);
  }
  EXPECT_TRUE(store_->list("").empty());
}

TEST_P(StoreConformance, ListsMoreThanOnePageOfKeys) {
  // S3 answers at most 1000 keys a page.
  constexpr int kKeys = 1100;
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "t/many/%05d", i);
    keys.emplace_back(key);
  }
  for (const auto& key : keys) store_->put(key, "x");
  store_->put("t/manz", "outside the prefix");
  store_->put("t/man", "outside the prefix");
  const auto objects = store_->list("t/many/");
  ASSERT_EQ(objects.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) ASSERT_EQ(objects[i].key, keys[i]);
  EXPECT_EQ(store_->list("").size(), keys.size() + 2);
}

TEST_P(StoreConformance, ObjectsAroundThePartSize) {
  // An S3 writer sends 8 MiB parts: one byte short, exactly one part, and
  // one byte over it take three different paths there.
  constexpr size_t kPart = 8 * (size_t{1} << 20);
  for (const size_t size : {kPart - 1, kPart, kPart + 1}) {
    std::string bytes(size, '\0');
    for (size_t i = 0; i < size; i += 4096) bytes[i] = static_cast<char>(i / 4096);
    bytes.back() = 'z';
    const std::string key = "t/raw/big/" + std::to_string(size);
    store_->put(key, bytes, "text/plain; charset=utf-8");
    EXPECT_EQ(store_->head(key)->size, size);
    EXPECT_TRUE(store_->get(key) == bytes) << key;
  }
}

TEST_P(StoreConformance, ABigWriterDroppedKeepsTheOldObject) {
  store_->put("t/raw/a/1", "old");
  {
    auto writer = store_->open_writer("t/raw/a/1");
    writer->write(std::string(9 * (size_t{1} << 20), 'x'));
    EXPECT_EQ(store_->get("t/raw/a/1"), "old");
  }
  auto aborted = store_->open_writer("t/raw/a/1");
  aborted->write(std::string(17 * (size_t{1} << 20), 'y'));
  aborted->abort();
  EXPECT_EQ(store_->get("t/raw/a/1"), "old");
  EXPECT_EQ(store_->list("").size(), 1u);
  EXPECT_EQ(store_->remove_stale_temporaries(""), 0u);
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

// A directory of its own for a FileStore test, removed afterwards.
class ScratchDirectory {
 public:
  ScratchDirectory()
      : path_(fs::temp_directory_path() /
              ("cah-store-file-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    fs::remove_all(path_);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  ~ScratchDirectory() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Every regular file under `root`, temporaries included, sorted.
std::vector<std::string> files_under(const fs::path& root) {
  std::vector<std::string> files;
  if (!fs::exists(root)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.push_back(entry.path().lexically_relative(root).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void touch(const fs::path& path) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << "partial";
}

TEST(FileStore, WritersLeaveNoTemporaryFiles) {
  const ScratchDirectory root;
  auto store = open_store(root.path().string());
  {
    auto dropped = store->open_writer("t/raw/a/1");
    dropped->write(std::string(kLargeWrite, 'x'));
    auto aborted = store->open_writer("t/raw/a/2");
    aborted->write("x");
    aborted->abort();
    auto committed = store->open_writer("t/raw/a/3");
    committed->write("x");
    committed->commit();
  }
  EXPECT_EQ(files_under(root.path()), std::vector<std::string>{"t/raw/a/3"});
}

TEST(FileStore, WritesToATemporaryBesideTheKey) {
  const ScratchDirectory root;
  auto store = open_store(root.path().string());
  auto writer = store->open_writer("t/raw/a/1");
  writer->write("x");
  const auto files = files_under(root.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(files[0].starts_with("t/raw/a/1.cah-tmp-" + std::to_string(::getpid()) + "-"))
      << files[0];
  writer->commit();
  EXPECT_EQ(files_under(root.path()), std::vector<std::string>{"t/raw/a/1"});
}

TEST(FileStore, FollowsNoLinkPlantedAtATemporaryName) {
  const ScratchDirectory root;
  auto store = open_store(root.path().string());
  store->put("t/raw/a/0", "made the folder");
  const fs::path victim = root.path() / "victim";
  std::ofstream(victim) << "precious";
  // Links at the names a process counting from 0 would use.
  const std::string prefix = "t/raw/a/1.cah-tmp-" + std::to_string(::getpid()) + "-";
  for (int n = 0; n < 1000; ++n) {
    fs::create_symlink(victim, root.path() / (prefix + std::to_string(n)));
  }
  for (int i = 0; i < 10; ++i) {
    store->put("t/raw/a/1", "object " + std::to_string(i));
    EXPECT_EQ(store->get("t/raw/a/1"), "object " + std::to_string(i));
  }
  auto writer = store->open_writer("t/raw/a/1");
  writer->write("streamed");
  writer->commit();
  EXPECT_EQ(store->get("t/raw/a/1"), "streamed");
  EXPECT_FALSE(fs::is_symlink(root.path() / "t/raw/a/1"));
  std::ifstream in(victim);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "precious");
  size_t links = 0;
  for (const auto& entry : fs::directory_iterator(root.path() / "t/raw/a")) {
    links += entry.is_symlink();
  }
  EXPECT_EQ(links, 1000u);
}

TEST(FileStore, RacingWritersLeaveOneWholeObject) {
  const ScratchDirectory root;
  auto store = open_store(root.path().string());
  const std::string a(1 << 20, 'a');
  const std::string b(1 << 20, 'b');
  std::vector<std::thread> writers;
  for (const std::string* content : {&a, &b}) {
    writers.emplace_back([&, content] {
      auto own = open_store(root.path().string());
      for (int i = 0; i < 20; ++i) {
        auto writer = own->open_writer("t/raw/a/1");
        for (size_t at = 0; at < content->size(); at += 65536) {
          writer->write(std::string_view(*content).substr(at, 65536));
        }
        writer->commit();
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  const std::optional<std::string> object = store->get("t/raw/a/1");
  ASSERT_TRUE(object);
  EXPECT_TRUE(*object == a || *object == b);
  EXPECT_EQ(files_under(root.path()), std::vector<std::string>{"t/raw/a/1"});
}

TEST(FileStore, RefusesKeysThatLookLikeTemporaries) {
  const ScratchDirectory root;
  auto store = open_store(root.path().string());
  EXPECT_THROW(store->put("t/raw/a/1.cah-tmp-1-2", "x"), StoreError);
  EXPECT_THROW(store->open_writer("t/raw/a.cah-tmp-/1"), StoreError);
  EXPECT_THROW(store->get("t/raw/a/1.cah-tmp-1-2"), StoreError);
}

TEST(FileStore, RemovesTemporariesOfDeadWritersOnly) {
  // Above PID_MAX_LIMIT (2^22): no process ever has it.
  const pid_t dead_pid = (1 << 22) + 4321;
  ASSERT_EQ(::kill(dead_pid, 0), -1);
  ASSERT_EQ(errno, ESRCH);
  const std::string dead = std::to_string(dead_pid);
  const std::string self = std::to_string(::getpid());
  const std::vector<std::string> stale = {
      "t/raw/dead/1.cah-tmp-" + dead + "-0",
      "t/raw/dead/2.cah-tmp-" + dead + "-17",
      // An earlier process that had our PID (a container's PID 1).
      "t/raw/self/1.cah-tmp-" + self + "-4000000000",
  };
  const std::vector<std::string> kept = {
      // Another live process: trusted to be writing still.
      "t/raw/live/1.cah-tmp-" + std::to_string(::getppid()) + "-0",
      // Not exactly our pattern.
      "t/raw/odd/1.cah-tmp-" + dead,
      "t/raw/odd/2.cah-tmp-" + dead + "-1x",
      "t/raw/odd/3.cah-tmp-0" + dead + "-1",
      "t/raw/odd/4.cah-tmp-" + dead + "-01",
      "t/raw/odd/5.cah-tmp--" + dead + "-1",
      "t/raw/odd/6.cah-tmp-+" + dead + "-1",
      "t/raw/odd/.cah-tmp-" + dead + "-1",
      "t/raw/odd/7.cah-tmp-" + dead + "-1.bak",
      "t/raw/odd/8.cah-tmp-99999999999999999999-1",
      "t/raw/odd/9.cah-tmp-0-1",
  };
  const std::string outside = "u/raw/dead/1.cah-tmp-" + dead + "-0";

  const ScratchDirectory root;
  auto store = open_store(root.path().string());
  auto open = store->open_writer("t/raw/open/1");
  open->write("still writing");
  store->put("t/raw/kept/1", "an object");
  for (const auto& name : stale) touch(root.path() / name);
  for (const auto& name : kept) touch(root.path() / name);
  touch(root.path() / outside);

  EXPECT_EQ(store->remove_stale_temporaries("t/raw/"), stale.size());
  for (const auto& name : stale) EXPECT_FALSE(fs::exists(root.path() / name)) << name;
  for (const auto& name : kept) EXPECT_TRUE(fs::exists(root.path() / name)) << name;
  // Those, the object, the open writer's temporary and the one outside.
  EXPECT_EQ(files_under(root.path()).size(), kept.size() + 3);

  EXPECT_EQ(store->remove_stale_temporaries(""), 1u);
  EXPECT_FALSE(fs::exists(root.path() / outside));
  EXPECT_EQ(store->remove_stale_temporaries(""), 0u);

  open->commit();
  EXPECT_EQ(store->get("t/raw/open/1"), "still writing");
  EXPECT_EQ(store->get("t/raw/kept/1"), "an object");
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

// A folder where an object should be is no object for head() and list(),
// and an error for get() and read(), not an empty object.
TEST(FileStore, AFolderWhereAnObjectShouldBeIsNoObjectAndCannotBeRead) {
  const fs::path root =
      fs::temp_directory_path() / ("cah-store-folder-" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "t/results/a/1.0.0.json");
  auto store = open_store(root.string());
  EXPECT_FALSE(store->head("t/results/a/1.0.0.json"));
  EXPECT_TRUE(store->list("t/results/").empty());
  EXPECT_THROW(store->get("t/results/a/1.0.0.json"), StoreError);
  EXPECT_THROW(store->read("t/results/a/1.0.0.json", [](std::string_view) {}), StoreError);
  // Nor does a listing leave the root.
  EXPECT_THROW(store->list("../"), StoreError);
  EXPECT_THROW(store->list("t/../../results/"), StoreError);
  fs::remove_all(root);
}

TEST(OpenStore, UnderstandsItsUrls) {
  EXPECT_THROW(open_store("ftp://x"), StoreError);
  EXPECT_THROW(open_store("file://"), StoreError);
  EXPECT_THROW(open_store("s3://"), StoreError);
  EXPECT_THROW(open_store("s3:///prefix"), StoreError);
  EXPECT_THROW(open_store("s3://bucket/a//b"), StoreError);
  EXPECT_THROW(open_store("s3://bucket/../b"), StoreError);
}

}  // namespace
}  // namespace store
