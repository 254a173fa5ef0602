#pragma once
// StdBacktrace reads the frames of a backtrace in the standard library's
// shape, one trimmed line at a time, and keeps only the first frame outside
// the system: a panic's "stack backtrace:" (RUST_BACKTRACE=1 or full) and
// Miri's "= note: stack backtrace:" (since 2025) print
//
//     6: smallvec::SmallVec<A>::push              (or "6:  0x55d5c1b8 - NAME")
//               at /cargo/registry/src/.../smallvec-1.11.0/src/lib.rs:123:5

#include <optional>
#include <string_view>

#include "diagnosis/source_path.h"

namespace diagnosis {

class StdBacktrace {
 public:
  /// Frames after this many lines are not read; the first one that matters
  /// comes within the first twenty or so.
  static constexpr unsigned kMaxLines = 200;

  /// Reads a line; false when it is not one of a backtrace's frames.
  bool read(std::string_view text);
  /// The first frame outside the standard library; nullopt while none is.
  const std::optional<SourceOrigin>& origin() const { return origin_; }

 private:
  std::optional<SourceOrigin> origin_;
  bool frame_seen_ = false;  // an "at" line belongs to the frame above it
  unsigned lines_ = 0;
};

/// "12: NAME": the first line of a frame.
bool is_frame_line(std::string_view text);

}  // namespace diagnosis
