#include "store/read_ahead.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/file_store.h"
#include "testing/forwarding_store.h"

namespace store {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

/// A real FileStore whose reads each take `delay` (as a GET from an S3
/// server far away does) and fail for keys containing `fail_key`. It counts
/// the reads made and the most that were ever in flight at once.
class SlowReads : public testing_store::ForwardingStore {
 public:
  SlowReads(const fs::path& root, milliseconds delay)
      : ForwardingStore(std::make_unique<FileStore>(root.string())), delay_(delay) {}

  std::string fail_key;
  std::atomic<int> reads = 0;
  std::atomic<int> in_flight = 0;
  std::atomic<int> most_in_flight = 0;

  std::optional<std::string> get(std::string_view key) override {
    ++reads;
    const int now = ++in_flight;
    int most = most_in_flight.load();
    while (now > most && !most_in_flight.compare_exchange_weak(most, now)) {
    }
    std::this_thread::sleep_for(delay_);
    --in_flight;
    if (!fail_key.empty() && key.find(fail_key) != std::string_view::npos) {
      throw StoreError(std::string(key) + ": 503 SlowDown");
    }
    return inner().get(key);
  }

 private:
  milliseconds delay_;
};

class ReadAheadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cah-read-ahead-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }

  /// Stores `count` objects o/000 ... with their index as text, and wants
  /// them in order.
  std::vector<WantedObject> objects(SlowReads& store, int count) {
    std::vector<WantedObject> wanted;
    for (int i = 0; i < count; ++i) {
      char key[16];
      std::snprintf(key, sizeof key, "o/%03d", i);
      store.put(key, std::to_string(i));
      wanted.push_back({key, std::to_string(i).size()});
    }
    return wanted;
  }

  fs::path root_;
};

TEST_F(ReadAheadTest, GivesEveryObjectInOrderAndNothingForAMissingOne) {
  for (const size_t threads : {size_t{0}, size_t{1}, size_t{8}}) {
    SlowReads store(root_, milliseconds(0));
    std::vector<WantedObject> wanted = objects(store, 50);
    wanted.insert(wanted.begin() + 10, {"o/gone", 5});
    ReadAhead reader(store, wanted, {.threads = threads});
    for (int i = 0; i < 51; ++i) {
      const ReadAhead::Object object = reader.take();
      ASSERT_TRUE(object.read) << threads;
      if (i == 10) {
        EXPECT_FALSE(object.bytes) << threads;
      } else {
        ASSERT_TRUE(object.bytes) << threads << " " << i;
        EXPECT_EQ(*object.bytes, std::to_string(i < 10 ? i : i - 1)) << threads;
      }
    }
    EXPECT_THROW(reader.take(), std::logic_error);
    EXPECT_EQ(store.reads, 51);
  }
}

TEST_F(ReadAheadTest, KeepsSeveralReadsInFlightAndNoMoreThanItsThreads) {
  SlowReads store(root_, milliseconds(20));
  ReadAhead reader(store, objects(store, 64), {.threads = 8});
  for (int i = 0; i < 64; ++i) ASSERT_EQ(*reader.take().bytes, std::to_string(i));
  EXPECT_GT(store.most_in_flight, 1);
  EXPECT_LE(store.most_in_flight, 8);

  SlowReads one_by_one(root_ / "sequential", milliseconds(5));
  ReadAhead sequential(one_by_one, objects(one_by_one, 16), {.threads = 0});
  for (int i = 0; i < 16; ++i) ASSERT_EQ(*sequential.take().bytes, std::to_string(i));
  EXPECT_EQ(one_by_one.most_in_flight, 1);
}

/// Waits until `store` has made `reads` reads (10 s at most), then a while
/// longer, in which a reader that overran its window would read more.
int reads_once_settled(const SlowReads& store, int reads) {
  for (int i = 0; i < 1000 && store.reads < reads; ++i)
    std::this_thread::sleep_for(milliseconds(10));
  std::this_thread::sleep_for(milliseconds(200));
  return store.reads;
}

TEST_F(ReadAheadTest, HoldsNoMoreThanItsWindowAhead) {
  SlowReads store(root_, milliseconds(0));
  {
    ReadAhead reader(store, objects(store, 100), {.threads = 8, .max_objects = 5});
    EXPECT_EQ(reads_once_settled(store, 5), 5);
    reader.take();
    reader.take();
    EXPECT_EQ(reads_once_settled(store, 7), 7);
  }
  // By bytes: objects of 2 bytes ("10".."99") and a window of 7 bytes hold
  // three; the one the caller waits for is read whatever its size.
  SlowReads by_bytes(root_ / "bytes", milliseconds(0));
  std::vector<WantedObject> wanted = objects(by_bytes, 100);
  wanted.erase(wanted.begin(), wanted.begin() + 10);
  ReadAhead reader(by_bytes, wanted, {.threads = 8, .max_bytes = 7});
  EXPECT_EQ(reads_once_settled(by_bytes, 3), 3);
  ReadAhead tiny(by_bytes, wanted, {.threads = 8, .max_bytes = 1});
  EXPECT_EQ(*tiny.take().bytes, "10");
}

TEST_F(ReadAheadTest, LeavesObjectsTooBigToTheCaller) {
  SlowReads store(root_, milliseconds(0));
  std::vector<WantedObject> wanted = objects(store, 3);
  wanted[1].size = 5000;
  for (const size_t threads : {size_t{0}, size_t{4}}) {
    store.reads = 0;
    ReadAhead reader(store, wanted, {.threads = threads, .max_object_bytes = 4096});
    EXPECT_EQ(*reader.take().bytes, "0");
    const ReadAhead::Object big = reader.take();
    EXPECT_FALSE(big.read);
    EXPECT_FALSE(big.bytes);
    EXPECT_EQ(*reader.take().bytes, "2");
    EXPECT_EQ(store.reads, 2) << threads;
  }
}

TEST_F(ReadAheadTest, AFailedReadIsThrownForItsObjectOnlyAndTheRestFollow) {
  for (const size_t threads : {size_t{0}, size_t{4}}) {
    SlowReads store(root_ / std::to_string(threads), milliseconds(1));
    store.fail_key = "o/003";
    ReadAhead reader(store, objects(store, 8), {.threads = threads});
    for (int i = 0; i < 8; ++i) {
      if (i == 3) {
        EXPECT_THROW(reader.take(), StoreError) << threads;
      } else {
        EXPECT_EQ(*reader.take().bytes, std::to_string(i)) << threads;
      }
    }
  }
}

TEST_F(ReadAheadTest, StopsWhenDroppedHalfWay) {
  SlowReads store(root_, milliseconds(10));
  {
    ReadAhead reader(store, objects(store, 200), {.threads = 4});
    reader.take();
  }  // must not wait for the other 199
  EXPECT_LT(store.reads, 200);
  EXPECT_EQ(store.in_flight, 0);
}

}  // namespace
}  // namespace store
