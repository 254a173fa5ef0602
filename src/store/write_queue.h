#pragma once
// Store writes off the caller's thread: the server's event loop hands each
// finished crate's writes (commit its raw log, then its page, then put its
// record) to a WriteQueue as one task and goes back to its workers, while a
// few threads wait on the store. Tasks run in parallel with each other; the
// steps inside one task keep their order, so a record is still stored only
// after its logs. The first task that throws stops the queue: tasks not
// started are dropped (destroyed unrun, which aborts any writer they own:
// nothing half-written), and the failure is rethrown to the caller by the
// next submit(), check() or finish().

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace store {

struct WriteQueueOptions {
  /// Threads running tasks; 0 runs every task at once inside submit() (the
  /// blocking behaviour, kept as a reference for benchmarks and tests).
  size_t threads = 64;
  /// submit() blocks while this many tasks wait or this many bytes (each
  /// task's own estimate) are held: the queue's memory stays bounded when
  /// the store is slower than the workers.
  size_t max_tasks = 1024;
  uint64_t max_bytes = uint64_t{256} << 20;
};

class WriteQueue {
 public:
  using Task = std::function<void()>;

  explicit WriteQueue(WriteQueueOptions options = {});
  /// Drops the tasks not started and waits for those running (finish()
  /// first to keep them).
  ~WriteQueue();
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  /// Queues `task`, which holds about `bytes` of memory until it has run.
  /// Blocks while the queue is full. Throws the first failure of an earlier
  /// task, if any, without queueing `task` (it is destroyed unrun).
  void submit(Task task, uint64_t bytes = 0);
  /// Throws the first failure of a task, if any. Does not block.
  void check();
  /// Waits until every task queued so far has run, or, after a failure,
  /// until the running ones end (the rest are dropped). Returns the first
  /// failure, null if none; the queue takes tasks again afterwards only if
  /// none failed. Never throws.
  std::exception_ptr finish() noexcept;

  /// Tasks queued or running.
  size_t pending() const;
  /// The most tasks that were ever waiting or running at once.
  size_t peak_pending() const;

 private:
  struct Item {
    Task task;
    uint64_t bytes = 0;
  };
  void work();
  /// With mutex_ held: drops the tasks not started.
  void drop_queued(std::unique_lock<std::mutex>& lock);

  WriteQueueOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;  // a task was queued, or stop
  std::condition_variable room_;  // a task was taken or ended
  std::deque<Item> queue_;
  uint64_t queued_bytes_ = 0;
  size_t running_ = 0;
  size_t peak_ = 0;
  std::exception_ptr failure_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace store
