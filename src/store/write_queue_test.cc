#include "store/write_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
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
using SteadyClock = std::chrono::steady_clock;

/// A real FileStore whose commits each take `delay` (as an S3 request
/// behind a slow link does) and fail for keys containing `fail_key`. It
/// notes the order in which objects became visible.
class SlowStore : public testing_store::ForwardingStore {
 public:
  SlowStore(const fs::path& root, milliseconds delay)
      : ForwardingStore(std::make_unique<FileStore>(root.string())), delay_(delay) {}

  std::string fail_key;

  std::vector<std::string> committed() {
    const std::lock_guard lock(mutex_);
    return committed_;
  }
  int aborted() const { return aborted_; }

 protected:
  std::unique_ptr<ObjectWriter> do_open_writer(std::string_view key,
                                               std::string_view content_type) override {
    return std::make_unique<Writer>(*this, std::string(key),
                                    inner().open_writer(key, content_type));
  }

 private:
  class Writer : public ObjectWriter {
   public:
    Writer(SlowStore& store, std::string key, std::unique_ptr<ObjectWriter> inner)
        : store_(store), key_(std::move(key)), inner_(std::move(inner)) {}
    ~Writer() override { Writer::abort(); }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    void write(std::string_view bytes) override { inner_->write(bytes); }
    void commit() override {
      std::this_thread::sleep_for(store_.delay_);
      if (!store_.fail_key.empty() && key_.find(store_.fail_key) != std::string::npos) {
        abort();
        throw StoreError("503 SlowDown (test) for " + key_);
      }
      inner_->commit();
      done_ = true;
      const std::lock_guard lock(store_.mutex_);
      store_.committed_.push_back(key_);
    }
    void abort() noexcept override {
      if (!done_) ++store_.aborted_;
      done_ = true;
      inner_->abort();
    }
    uint64_t bytes_written() const override { return inner_->bytes_written(); }

   private:
    SlowStore& store_;
    std::string key_;
    std::unique_ptr<ObjectWriter> inner_;
    bool done_ = false;
  };

  milliseconds delay_;
  std::mutex mutex_;
  std::vector<std::string> committed_;
  std::atomic<int> aborted_ = 0;
};

class WriteQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cah-write-queue-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }

  /// What the scheduler queues for a finished crate: its raw log and page,
  /// already written, are committed, then its record is put.
  static WriteQueue::Task crate_task(Store& store, const std::string& crate) {
    auto raw = std::shared_ptr<ObjectWriter>(store.open_writer("t/raw/" + crate));
    auto page = std::shared_ptr<ObjectWriter>(store.open_writer("t/logs/" + crate));
    raw->write("raw of " + crate);
    page->write("page of " + crate);
    return [&store, raw, page, crate] {
      raw->commit();
      page->commit();
      store.put("t/results/" + crate, "record of " + crate);
    };
  }

  static size_t index_of(const std::vector<std::string>& keys, const std::string& key) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return i;
    }
    ADD_FAILURE() << key << " was not committed";
    return keys.size();
  }

  fs::path root_;
};

TEST_F(WriteQueueTest, ARecordIsCommittedAfterItsLogsAndCratesGoInParallel) {
  SlowStore store(root_, milliseconds(50));
  constexpr int kCrates = 16;
  const auto start = SteadyClock::now();
  {
    WriteQueue queue({.threads = 8});
    for (int i = 0; i < kCrates; ++i) {
      const auto before = SteadyClock::now();
      queue.submit(crate_task(store, "c" + std::to_string(i)));
      // The caller does not wait for the store.
      EXPECT_LT(SteadyClock::now() - before, milliseconds(40));
    }
    EXPECT_EQ(queue.finish(), nullptr);
    EXPECT_EQ(queue.pending(), 0U);
  }
  // 16 crates x 3 commits x 50 ms is 2.4 s one after another; 8 threads
  // take about 0.3 s.
  EXPECT_LT(SteadyClock::now() - start, milliseconds(1500));
  const std::vector<std::string> committed = store.committed();
  ASSERT_EQ(committed.size(), 3U * kCrates);
  for (int i = 0; i < kCrates; ++i) {
    const std::string crate = "c" + std::to_string(i);
    const size_t record = index_of(committed, "t/results/" + crate);
    EXPECT_LT(index_of(committed, "t/raw/" + crate), record);
    EXPECT_LT(index_of(committed, "t/logs/" + crate), record);
    EXPECT_EQ(store.get("t/results/" + crate), "record of " + crate);
  }
}

TEST_F(WriteQueueTest, AFailureSurfacesDropsTheRestAndLeavesNothingHalfWritten) {
  SlowStore store(root_, milliseconds(20));
  store.fail_key = "logs/c3";
  std::optional<WriteQueue> owned(std::in_place, WriteQueueOptions{.threads = 1});
  WriteQueue& queue = *owned;
  bool thrown = false;
  int submitted = 0;
  try {
    for (int i = 0; i < 50; ++i) {
      queue.submit(crate_task(store, "c" + std::to_string(i)));
      ++submitted;
      std::this_thread::sleep_for(milliseconds(5));
    }
  } catch (const StoreError& e) {
    thrown = true;
    EXPECT_NE(std::string(e.what()).find("SlowDown"), std::string::npos);
  }
  EXPECT_TRUE(thrown);
  EXPECT_LT(submitted, 50);
  const std::exception_ptr failure = queue.finish();
  ASSERT_NE(failure, nullptr);
  EXPECT_THROW(std::rethrow_exception(failure), StoreError);
  EXPECT_THROW(queue.check(), StoreError);
  // Crates before the failing one are whole; it and those after it have no
  // record, and no page or raw log of theirs is left half-written.
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(store.head("t/results/c" + std::to_string(i))) << i;
  }
  for (int i = 3; i < 50; ++i) {
    EXPECT_FALSE(store.head("t/results/c" + std::to_string(i))) << i;
    EXPECT_FALSE(store.head("t/logs/c" + std::to_string(i))) << i;
  }
  // Every dropped crate's writers are aborted by the time the queue is gone.
  owned.reset();
  EXPECT_GE(store.aborted(), 2 * (submitted - 3) - 1);
  EXPECT_EQ(store.remove_stale_temporaries("t"), 0U);
}

TEST_F(WriteQueueTest, FinishStoresEverythingQueuedBeforeIt) {
  SlowStore store(root_, milliseconds(30));
  WriteQueue queue({.threads = 2});
  for (int i = 0; i < 10; ++i) queue.submit(crate_task(store, "c" + std::to_string(i)));
  EXPECT_GT(queue.pending(), 0U);
  EXPECT_EQ(queue.finish(), nullptr);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(store.head("t/results/c" + std::to_string(i))) << i;
  // It takes tasks again.
  queue.submit(crate_task(store, "late"));
  EXPECT_EQ(queue.finish(), nullptr);
  EXPECT_TRUE(store.head("t/results/late"));
}

TEST_F(WriteQueueTest, DestroyingWithoutFinishDropsWhatDidNotStartCleanly) {
  SlowStore store(root_, milliseconds(50));
  {
    WriteQueue queue({.threads = 1});
    for (int i = 0; i < 10; ++i) queue.submit(crate_task(store, "c" + std::to_string(i)));
    std::this_thread::sleep_for(milliseconds(20));
  }
  // The one running finished whole; the others left nothing at all.
  int records = 0;
  for (int i = 0; i < 10; ++i) {
    const bool record = store.head("t/results/c" + std::to_string(i)).has_value();
    const bool page = store.head("t/logs/c" + std::to_string(i)).has_value();
    EXPECT_EQ(record, page) << i;
    records += record ? 1 : 0;
  }
  EXPECT_EQ(records, 1);
  EXPECT_EQ(store.remove_stale_temporaries("t"), 0U);
}

TEST_F(WriteQueueTest, AFullQueueMakesSubmitWait) {
  SlowStore store(root_, milliseconds(100));
  WriteQueue queue({.threads = 1, .max_tasks = 1});
  queue.submit(crate_task(store, "a"));  // taken at once by the thread
  std::this_thread::sleep_for(milliseconds(20));
  queue.submit(crate_task(store, "b"));  // waits in the queue
  const auto before = SteadyClock::now();
  queue.submit(crate_task(store, "c"));  // waits for room
  EXPECT_GT(SteadyClock::now() - before, milliseconds(100));
  EXPECT_LE(queue.peak_pending(), 2U);
  EXPECT_EQ(queue.finish(), nullptr);
}

TEST_F(WriteQueueTest, ABytesBoundAlsoMakesSubmitWait) {
  SlowStore store(root_, milliseconds(100));
  WriteQueue queue({.threads = 1, .max_bytes = 1000});
  queue.submit(crate_task(store, "a"), 900);
  std::this_thread::sleep_for(milliseconds(20));
  queue.submit(crate_task(store, "b"), 900);  // alone in the queue: let in
  const auto before = SteadyClock::now();
  queue.submit(crate_task(store, "c"), 900);
  EXPECT_GT(SteadyClock::now() - before, milliseconds(100));
  EXPECT_EQ(queue.finish(), nullptr);
}

TEST_F(WriteQueueTest, WithoutThreadsATaskRunsInSubmitAndItsFailureIsThrownThere) {
  SlowStore store(root_, milliseconds(0));
  WriteQueue queue({.threads = 0});
  queue.submit(crate_task(store, "a"));
  EXPECT_TRUE(store.head("t/results/a"));
  store.fail_key = "raw/b";
  EXPECT_THROW(queue.submit(crate_task(store, "b")), StoreError);
  EXPECT_FALSE(store.head("t/results/b"));
  EXPECT_NE(queue.finish(), nullptr);
  EXPECT_THROW(queue.submit(crate_task(store, "c")), StoreError);
}

}  // namespace
}  // namespace store
