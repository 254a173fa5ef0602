#include "diagnosis/report.h"

namespace diagnosis {
namespace {

constexpr size_t kMaxMessage = 1024;

bool has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace

void set_source(Finding& finding, const SourceOrigin& origin) {
  finding.in_own_crate = origin.kind == SourceOrigin::Kind::kCrate;
  finding.cause.source_crate = origin.kind == SourceOrigin::Kind::kDependency
                                   ? valid_utf8(origin.dependency)
                                   : std::string();
}

Report::Report(Tool tool, std::string_view message, std::string_view line)
    : tool_(tool), message_(message.substr(0, kMaxMessage)), excerpt_(excerpt_of(line)) {}

bool Report::read(std::string_view line) {
  const std::string_view text = trim(line);
  if (text.empty() || ++lines_ > kMaxLines) return false;
  if (tool_ == Tool::kMiri) {
    read_miri(text);
    return true;
  }
  if (text.starts_with("SUMMARY: AddressSanitizer")) return false;
  if (!origin_ && text.starts_with('#')) read_asan_frame(text);
  return true;
}

void Report::read_miri(std::string_view text) {
  // "= help: this indicates a potential bug in the program: it performed an
  // invalid operation, but the Stacked Borrows rules it violated are still
  // experimental"
  if (has(text, "Stacked Borrows")) aliasing_ = Aliasing::kStackedBorrows;
  if (has(text, "Tree Borrows")) aliasing_ = Aliasing::kTreeBorrows;
  if (origin_) return;
  // The error's own span comes first ("--> src/lib.rs:10:5"), then help
  // spans, then the backtrace: "= note: inside `f` at PATH:LINE:COL", or
  // "note: inside `f`" with the span on the next line.
  if (text.starts_with("--> ")) {
    if (!span_seen_ || frame_follows_) locate(text.substr(4), true);
    span_seen_ = true;
    frame_follows_ = false;
  } else if (const size_t inside = text.find("note: inside "); inside != std::string_view::npos) {
    const size_t at = text.rfind(" at ");
    if (at != std::string_view::npos && at > inside) {
      locate(text.substr(at + 4), true);
    } else {
      frame_follows_ = true;
    }
  }
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

std::optional<Finding> Report::finding() const {
  Finding finding;
  if (tool_ == Tool::kMiri) {
    finding.cause.kind = miri_kind(message_, aliasing_);
    finding.cause.tool = "miri";
  } else {
    finding.cause.kind = asan_kind(message_);
    finding.cause.tool = "asan";
  }
  if (finding.cause.kind.empty()) return std::nullopt;
  finding.cause.excerpt = excerpt_;
  if (origin_) set_source(finding, *origin_);
  return finding;
}

}  // namespace diagnosis
