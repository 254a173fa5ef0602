#pragma once
// The framing between the server and the agent inside a sandbox. Every byte
// on the agent's stdin and stdout belongs to a frame: 1 byte of type, 4 bytes
// of big-endian payload length, then the payload. Crate output only ever
// travels as the payload of kOutput frames, so nothing a crate prints can be
// taken for protocol.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace agent {

/// A corrupt or truncated stream, or a message that breaks the protocol.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class FrameType : uint8_t {
  kJob = 1,     // server -> agent: JSON of a Job
  kOutput = 2,  // agent -> server: raw pty bytes
  kResult = 3,  // agent -> server: JSON of a JobResult
  kError = 4,   // agent -> server: why the agent could not run the job
  kFiles = 5,   // server -> agent: the next bytes of an inline job's tar; empty: its end
};

/// "job", "output", "result", "error", "files", or "unknown".
std::string_view name(FrameType type);

struct Frame {
  FrameType type = FrameType::kOutput;
  std::string payload;

  friend bool operator==(const Frame&, const Frame&) = default;
};

inline constexpr size_t kHeaderBytes = 5;
/// Output is cut into frames this size so the server can show it as it
/// comes and never has to hold much of it.
inline constexpr size_t kMaxOutputPayload = size_t{64} << 10;
/// A bound on job, result and error payloads: a corrupt length must not
/// make a reader allocate gigabytes.
inline constexpr size_t kMaxMessagePayload = size_t{16} << 20;
/// An inline job's tar travels in chunks this size at most: the agent holds
/// one chunk at a time, never the whole tar.
inline constexpr size_t kMaxFilesPayload = size_t{1} << 20;

/// The largest payload a frame of `type` may carry; 0 for a type that is
/// not in the protocol.
size_t max_payload(FrameType type);

/// Appends one frame to `out`. Throws ProtocolError if the payload is over
/// max_payload(type).
void append_frame(std::string& out, FrameType type, std::string_view payload);
/// One frame.
std::string encode(FrameType type, std::string_view payload);
/// Pty bytes as kOutput frames of at most kMaxOutputPayload each; nothing
/// for no bytes.
std::string encode_output(std::string_view bytes);
/// Tar bytes as kFiles frames of at most kMaxFilesPayload each; nothing for
/// no bytes. The stream's end, an empty kFiles frame, is the caller's.
std::string encode_files(std::string_view bytes);

/// Who a stream is going to, which decides the frame types it may carry.
enum class Direction : uint8_t {
  kToAgent,   // kJob, kFiles
  kToServer,  // kOutput, kResult, kError
};

/// Reads frames from a stream fed in chunks split anywhere. A bad header
/// (a type the direction does not carry, a length over the type's limit) is
/// an error at once, since a corrupt stream cannot be resynchronised: from
/// then on every call throws the same ProtocolError.
class FrameReader {
 public:
  using FrameHandler = std::function<void(Frame)>;

  /// Exceptions from `on_frame` propagate out of feed(); the rest of that
  /// chunk is then unread, so the reader should be dropped.
  FrameReader(Direction direction, FrameHandler on_frame);

  void feed(std::string_view bytes);
  /// The stream has ended: throws ProtocolError if it ended inside a frame.
  void finish();

  /// Whether part of a frame has been read.
  bool mid_frame() const { return header_have_ > 0; }
  /// Bytes read so far: error messages give positions in these terms.
  uint64_t offset() const { return offset_; }

 private:
  void begin_frame();
  void deliver();
  [[noreturn]] void fail(const std::string& what);

  Direction direction_;
  FrameHandler on_frame_;
  std::array<unsigned char, kHeaderBytes> header_{};
  size_t header_have_ = 0;
  FrameType type_ = FrameType::kOutput;
  size_t length_ = 0;
  std::string payload_;
  uint64_t offset_ = 0;
  uint64_t frame_start_ = 0;
  std::string failure_;  // non-empty once the stream is known corrupt
};

}  // namespace agent
