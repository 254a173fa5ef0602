#pragma once
// A Report is one Miri or ASan report being read, from its first line to its
// end: what it says, which aliasing model it names, and the first frame of its
// backtrace outside the standard library.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "diagnosis/backtrace.h"
#include "diagnosis/cause.h"
#include "diagnosis/source_path.h"
#include "diagnosis/ub_kinds.h"

namespace diagnosis {

/// A cause as the log tells it; the crate under test is named only later.
struct Finding {
  Cause cause;
  bool in_own_crate = false;  // Cause::source_crate is the crate under test
};

/// The crate (and version) a source path points into, as a Finding's cause
/// needs it.
void set_source(Finding& finding, const SourceOrigin& origin);

class Report {
 public:
  /// kMiriTrace: a Miri error that is not itself undefined behaviour (the
  /// abort after a failed check of the standard library), read only for where
  /// it happened.
  enum class Tool : uint8_t { kMiri, kMiriTrace, kAsan };
  /// A report is cut off after this many lines; its source is found long before.
  static constexpr unsigned kMaxLines = 400;

  /// `message`: the text after "Undefined Behavior: " or "AddressSanitizer: ";
  /// `line`: the text from the tool's marker on, for the excerpt.
  Report(Tool tool, std::string_view message, std::string_view line);

  Tool tool() const { return tool_; }
  /// Reads the report's next line; false when the report ended before it.
  bool read(std::string_view line);
  /// What the report found; nullopt for an ASan report that is not a memory
  /// error, and for kMiriTrace.
  std::optional<Finding> finding() const;
  /// Where the report points: the error's own span or the first frame outside
  /// the standard library, else the first help span ("help: <TAG> was created
  /// by ... --> src/lib.rs:12:5") outside it.
  std::optional<SourceOrigin> origin() const;

 private:
  bool read_miri(std::string_view line, std::string_view text);
  void read_miri_span(std::string_view location);
  void read_asan_frame(std::string_view text);
  void locate(std::string_view location, bool relative_is_crate);

  Tool tool_;
  std::string message_;  // at most kMaxMessage bytes: kinds are told early
  std::string excerpt_;
  Aliasing aliasing_ = Aliasing::kNone;
  std::optional<SourceOrigin> origin_;       // the first frame that is not kSystem
  std::optional<SourceOrigin> help_origin_;  // the first help span that is not kSystem
  StdBacktrace backtrace_;                   // Miri's "= note: stack backtrace:"
  bool in_backtrace_ = false;
  bool span_seen_ = false;      // Miri's "--> PATH" of the error itself
  bool frame_follows_ = false;  // a "note: inside `f`" whose "--> PATH" is next
  unsigned lines_ = 0;
};

}  // namespace diagnosis
