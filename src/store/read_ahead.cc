#include "store/read_ahead.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace store {

ReadAhead::ReadAhead(Store& store, std::vector<WantedObject> wanted, ReadAheadOptions options)
    : store_(store), wanted_(std::move(wanted)), options_(options) {
  const size_t threads = std::min(options_.threads, wanted_.size());
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

ReadAhead::~ReadAhead() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  threads_.clear();  // joins
}

bool ReadAhead::too_big(size_t index) const {
  return wanted_[index].size > options_.max_object_bytes;
}

void ReadAhead::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    // The next object may start when it is within the window; the one the
    // caller waits for always may, whatever its size.
    changed_.wait(lock, [&] {
      if (stopping_ || next_ >= wanted_.size()) return true;
      if (next_ >= taken_ + options_.max_objects) return false;
      return next_ == taken_ || too_big(next_) ||
             bytes_held_ + wanted_[next_].size <= options_.max_bytes;
    });
    if (stopping_ || next_ >= wanted_.size()) return;
    const size_t index = next_++;
    Slot& slot = slots_[index];
    if (too_big(index)) {
      slot.done = true;  // read = false: the caller streams it
      changed_.notify_all();
      continue;
    }
    bytes_held_ += wanted_[index].size;
    lock.unlock();
    Object object{.read = true};
    std::exception_ptr error;
    try {
      object.bytes = store_.get(wanted_[index].key);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    // The map's nodes stay put: `slot` is still this index's.
    slot.object = std::move(object);
    slot.error = std::move(error);
    slot.done = true;
    changed_.notify_all();
  }
}

ReadAhead::Object ReadAhead::take() {
  std::unique_lock lock(mutex_);
  if (taken_ >= wanted_.size()) throw std::logic_error("ReadAhead::take: nothing more was wanted");
  const size_t index = taken_;
  if (threads_.empty()) {
    ++taken_;
    lock.unlock();
    if (too_big(index)) return {};
    return {.read = true, .bytes = store_.get(wanted_[index].key)};
  }
  changed_.wait(lock, [&] {
    const auto slot = slots_.find(index);
    return slot != slots_.end() && slot->second.done;
  });
  const auto node = slots_.find(index);
  Slot slot = std::move(node->second);
  slots_.erase(node);
  if (slot.object.read) bytes_held_ -= wanted_[index].size;
  ++taken_;
  lock.unlock();
  changed_.notify_all();  // the window moved
  if (slot.error) std::rethrow_exception(slot.error);
  return std::move(slot.object);
}

}  // namespace store
