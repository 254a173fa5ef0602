#include "diagnosis/report.h"

#include <algorithm>

namespace diagnosis {
namespace {

constexpr size_t kMaxMessage = 1024;

bool has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// A code line of a diagnostic: "10 |     unsafe { *p }", "LL | ...", "...".
bool is_gutter_line(std::string_view text) {
  if (text.starts_with("...")) return true;
  size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == 'L')) ++i;
  while (i < text.size() && text[i] == ' ') ++i;
  return i < text.size() && text[i] == '|';
}

// Whether a line still belongs to a Miri report. Older Miri printed blank
// lines (and blank "= help:" lines) inside a report, before its backtrace, so
// a report ends at the first line that is not rustc's: a top-level "error:"
// (the next report, "aborting due to"), libtest's and cargo's lines, a panic.
bool is_miri_report_line(std::string_view line, std::string_view text) {
  if (text.starts_with("note:") || text.starts_with("help:") || text.starts_with("-->") ||
      text.starts_with('=') || is_gutter_line(text)) {
    return true;
  }
  if (line.empty() || (line[0] != ' ' && line[0] != '\t')) return false;
  // cargo's right-aligned status lines are indented too.
  for (const std::string_view verb : {"Running ", "Doc-tests ", "Finished ", "Compiling "}) {
    if (text.starts_with(verb)) return false;
  }
  return true;
}

}  // namespace

void set_source(Finding& finding, const SourceOrigin& origin) {
  const bool dependency = origin.kind == SourceOrigin::Kind::kDependency;
  finding.in_own_crate = origin.kind == SourceOrigin::Kind::kCrate;
  finding.cause.source_crate = dependency ? valid_utf8(origin.dependency) : std::string();
  finding.cause.source_version = dependency ? valid_utf8(origin.version) : std::string();
}

Report::Report(Tool tool, std::string_view message, std::string_view line)
    : tool_(tool), message_(message.substr(0, kMaxMessage)), excerpt_(excerpt_of(line)) {}

bool Report::read(std::string_view line) {
  const std::string_view text = trim(line);
  if (++lines_ > kMaxLines) return false;
  if (tool_ != Tool::kAsan) return read_miri(line, text);
  if (text.empty() || text.starts_with("SUMMARY: AddressSanitizer")) return false;
  if (!origin_ && text.starts_with('#')) read_asan_frame(text);
  return true;
}

bool Report::read_miri(std::string_view line, std::string_view text) {
  if (text.empty()) return true;
  if (!is_miri_report_line(line, text)) return false;
  // "= help: this indicates a potential bug in the program: it performed an
  // invalid operation, but the Stacked Borrows rules it violated are still
  // experimental"
  if (aliasing_ == Aliasing::kNone && has(text, " Borrows")) {
    if (has(text, "Stacked Borrows")) aliasing_ = Aliasing::kStackedBorrows;
    if (has(text, "Tree Borrows")) aliasing_ = Aliasing::kTreeBorrows;
  }
  if (origin_) return true;
  // Since 2025: "= note: stack backtrace:", then std's frame shape.
  if (in_backtrace_ && backtrace_.read(text)) {
    if (backtrace_.origin()) origin_ = backtrace_.origin();
    return true;
  }
  if (text.ends_with("stack backtrace:")) {
    in_backtrace_ = true;
    return true;
  }
  // The error's own span comes first ("--> src/lib.rs:10:5"), then help
  // spans, then the backtrace: "= note: inside `f` at PATH:LINE:COL", or
  // "note: inside `f`" with the span on the next line.
  if (text.starts_with("--> ")) {
    read_miri_span(text.substr(4));
  } else if (const size_t inside = text.find("note: inside "); inside != std::string_view::npos) {
    const size_t at = text.rfind(" at ");
    if (at != std::string_view::npos && at > inside) {
      locate(text.substr(at + 4), true);
    } else {
      frame_follows_ = true;
    }
  }
  return true;
}

void Report::read_miri_span(std::string_view location) {
  if (!span_seen_ || frame_follows_) {
    locate(location, true);
  } else if (!help_origin_) {
    SourceOrigin origin = source_origin(path_of_location(trim(location)), true);
    if (origin.kind != SourceOrigin::Kind::kSystem) help_origin_ = std::move(origin);
  }
  span_seen_ = true;
  frame_follows_ = false;
}

void Report::read_asan_frame(std::string_view text) {
  // "#1 0x55d5c1b8e0a1 in crate::f /build/src/lib.rs:35:26"; frames without
  // sources end in "(BINARY+0xOFFSET)" or "(BuildId: ...)".
  const std::string_view location = text.substr(text.rfind(' ') + 1);
  if (location.starts_with('(') || location.ends_with(')')) return;
  locate(location, false);
}

void Report::locate(std::string_view location, bool relative_is_crate) {
  SourceOrigin origin = source_origin(path_of_location(trim(location)), relative_is_crate);
  if (origin.kind != SourceOrigin::Kind::kSystem) origin_ = std::move(origin);
}

std::optional<SourceOrigin> Report::origin() const { return origin_ ? origin_ : help_origin_; }

std::optional<Finding> Report::finding() const {
  Finding finding;
  if (tool_ == Tool::kMiriTrace) return std::nullopt;
  if (tool_ == Tool::kMiri) {
    finding.cause.kind = miri_kind(message_, aliasing_);
    finding.cause.tool = "miri";
  } else {
    finding.cause.kind = asan_kind(message_);
    finding.cause.tool = "asan";
  }
  if (finding.cause.kind.empty()) return std::nullopt;
  finding.cause.excerpt = excerpt_;
  if (const auto origin = this->origin()) set_source(finding, *origin);
  return finding;
}

}  // namespace diagnosis
