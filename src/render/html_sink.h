#pragma once
// Where rendered HTML goes. The renderer writes into a fixed buffer that is
// handed to the Sink in large chunks, so a sink is called rarely and may be
// a std::function.

#include <cstring>
#include <functional>
#include <memory>
#include <string_view>

namespace render {

using Sink = std::function<void(std::string_view)>;

/// A fixed buffer in front of a Sink. Writers ask for room, fill it through
/// a raw pointer and say where they stopped: no zero-filling, no per-byte
/// capacity checks.
class BufferedSink {
 public:
  static constexpr size_t kCapacity = size_t{256} * 1024;
  static constexpr size_t kFlushAt = size_t{64} * 1024;

  explicit BufferedSink(Sink sink) : sink_(std::move(sink)), buffer_(new char[kCapacity]) {}
  BufferedSink(const BufferedSink&) = delete;
  BufferedSink& operator=(const BufferedSink&) = delete;

  /// Room for at least n bytes (n <= kCapacity - kFlushAt).
  char* reserve(size_t n) {
    if (size_ + n > kCapacity) flush();
    return buffer_.get() + size_;
  }
  void commit(const char* end) {
    size_ = static_cast<size_t>(end - buffer_.get());
    if (size_ >= kFlushAt) flush();
  }
  void append(std::string_view text) {
    char* out = reserve(text.size());
    std::memcpy(out, text.data(), text.size());
    commit(out + text.size());
  }
  void flush() {
    if (size_ != 0) sink_(std::string_view(buffer_.get(), size_));
    size_ = 0;
  }

 private:
  Sink sink_;
  std::unique_ptr<char[]> buffer_;
  size_t size_ = 0;
};

}  // namespace render
