#include "diagnosis/backtrace.h"

namespace diagnosis {

bool is_frame_line(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  return i > 0 && i + 1 < text.size() && text[i] == ':' && text[i + 1] == ' ';
}

bool StdBacktrace::read(std::string_view text) {
  if (is_frame_line(text)) {
    frame_seen_ = true;
  } else if (!(frame_seen_ && text.starts_with("at "))) {
    return false;
  } else if (!origin_ && lines_ < kMaxLines) {
    // Relative paths are the crate's: "./src/lib.rs" from a test binary run
    // in the crate's folder, "src/lib.rs" from Miri.
    SourceOrigin origin = source_origin(path_of_location(text.substr(3)), true);
    if (origin.kind != SourceOrigin::Kind::kSystem) origin_ = std::move(origin);
  }
  ++lines_;
  return true;
}

}  // namespace diagnosis
