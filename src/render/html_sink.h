#pragma once
// Where rendered HTML goes. The renderer batches its output into large
// chunks, so a sink is called rarely and may be a std::function.

#include <functional>
#include <string>
#include <string_view>

namespace render {

using Sink = std::function<void(std::string_view)>;

/// Collects small appends and hands them to a Sink in large chunks.
class BufferedSink {
 public:
  explicit BufferedSink(Sink sink) : sink_(std::move(sink)) { buffer_.reserve(kChunk + 4096); }
  BufferedSink(const BufferedSink&) = delete;
  BufferedSink& operator=(const BufferedSink&) = delete;

  std::string& buffer() { return buffer_; }
  void maybe_flush() {
    if (buffer_.size() >= kChunk) flush();
  }
  void flush() {
    if (!buffer_.empty()) sink_(buffer_);
    buffer_.clear();
  }

 private:
  static constexpr size_t kChunk = 64 * 1024;
  Sink sink_;
  std::string buffer_;
};

}  // namespace render
