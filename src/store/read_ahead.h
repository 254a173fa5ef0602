#pragma once
// Reads ahead of a caller that takes objects one by one in a known order
// (sync's records, the archives' logs): several GETs are in flight while
// the caller works on the object before, so a store 50 ms away costs about
// 50 ms per `threads` objects rather than 50 ms each. Memory stays bounded:
// at most `max_objects` objects and `max_bytes` bytes are held ahead, and
// an object bigger than `max_object_bytes` is not read ahead at all (the
// caller streams it with Store::read when it gets there).

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace store {

struct ReadAheadOptions {
  /// Requests in flight at once; 0 reads nothing ahead: take() reads each
  /// object itself, one after another (the behaviour before, kept as the
  /// benchmarks' reference).
  size_t threads = 64;
  /// Objects read and not yet taken, at most.
  size_t max_objects = 256;
  /// Bytes read and not yet taken, at most (one object may pass it).
  uint64_t max_bytes = uint64_t{64} << 20;
  /// Objects listed bigger than this are left to the caller to stream.
  uint64_t max_object_bytes = uint64_t{4} << 20;
};

/// One object the caller will want: its key and the size it was listed
/// with (0 when not known).
struct WantedObject {
  std::string key;
  uint64_t size = 0;
};

class ReadAhead {
 public:
  /// Starts reading `wanted` in order from `store`, which must outlive this
  /// and be safe to use from several threads (every backend is).
  ReadAhead(Store& store, std::vector<WantedObject> wanted, ReadAheadOptions options = {});
  /// Stops the reads not started and waits for those in flight.
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  struct Object {
    /// False for an object too big to be read ahead: stream it yourself.
    bool read = false;
    /// Its bytes, or nothing when the store has no such key (any more).
    std::optional<std::string> bytes;
  };
  /// The next wanted object, waiting for it if it is still on its way.
  /// Throws what the store threw reading it (StoreError), once, for that
  /// object; the next call goes on with the one after. Calling it more
  /// often than there are wanted objects is a logic error.
  Object take();

 private:
  struct Slot {
    bool done = false;
    Object object;
    std::exception_ptr error;
  };
  void work();
  bool too_big(size_t index) const;

  Store& store_;
  const std::vector<WantedObject> wanted_;
  const ReadAheadOptions options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<size_t, Slot> slots_;  // started and not yet taken, by index
  size_t next_ = 0;               // the next index a thread starts
  size_t taken_ = 0;              // the next index take() gives
  uint64_t bytes_held_ = 0;       // listed sizes of the slots
  bool stopping_ = false;
  std::vector<std::jthread> threads_;
};

}  // namespace store
