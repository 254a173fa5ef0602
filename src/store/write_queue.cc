#include "store/write_queue.h"

#include <algorithm>
#include <utility>

namespace store {

WriteQueue::WriteQueue(WriteQueueOptions options) : options_(options) {
  options_.max_tasks = std::max<size_t>(options_.max_tasks, 1);
  threads_.reserve(options_.threads);
  for (size_t i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { work(); });
}

WriteQueue::~WriteQueue() {
  {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    drop_queued(lock);
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void WriteQueue::drop_queued(std::unique_lock<std::mutex>& lock) {
  std::deque<Item> dropped;
  dropped.swap(queue_);
  queued_bytes_ = 0;
  // Destroying a task may abort its writers, which may talk to the store.
  lock.unlock();
  dropped.clear();
  lock.lock();
  room_.notify_all();
}

void WriteQueue::submit(Task task, uint64_t bytes) {
  if (threads_.empty()) {
    check();
    try {
      task();
    } catch (...) {
      const std::lock_guard lock(mutex_);
      failure_ = std::current_exception();
      throw;
    }
    return;
  }
  std::unique_lock lock(mutex_);
  // One task is always let in, however big: the queue must not wedge.
  room_.wait(lock, [&] {
    return failure_ || queue_.empty() ||
           (queue_.size() < options_.max_tasks && queued_bytes_ + bytes <= options_.max_bytes);
  });
  if (failure_) std::rethrow_exception(failure_);
  queue_.push_back({std::move(task), bytes});
  queued_bytes_ += bytes;
  peak_ = std::max(peak_, queue_.size() + running_);
  lock.unlock();
  wake_.notify_one();
}

void WriteQueue::check() {
  const std::lock_guard lock(mutex_);
  if (failure_) std::rethrow_exception(failure_);
}

std::exception_ptr WriteQueue::finish() noexcept {
  std::unique_lock lock(mutex_);
  room_.wait(lock, [&] { return (queue_.empty() || failure_) && running_ == 0; });
  if (failure_ && !queue_.empty()) drop_queued(lock);
  return failure_;
}

size_t WriteQueue::pending() const {
  const std::lock_guard lock(mutex_);
  return queue_.size() + running_;
}

size_t WriteQueue::peak_pending() const {
  const std::lock_guard lock(mutex_);
  return peak_;
}

void WriteQueue::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || (!queue_.empty() && !failure_); });
    if (stopping_) return;
    Item item = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= item.bytes;
    ++running_;
    lock.unlock();
    room_.notify_all();
    std::exception_ptr failure;
    try {
      item.task();
    } catch (...) {
      failure = std::current_exception();
    }
    item.task = nullptr;  // its writers go before the next task is taken
    lock.lock();
    --running_;
    if (failure && !failure_) {
      failure_ = failure;
      drop_queued(lock);
    }
    room_.notify_all();
  }
}

}  // namespace store
