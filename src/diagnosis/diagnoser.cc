#include <algorithm>
#include <array>

#include "diagnosis/diagnosis.h"

namespace diagnosis {
namespace {

// Texts that make a line worth a closer look. A line with none of them is
// dismissed after one cheap scan, which keeps a diagnosis fast.
enum Marker : uint32_t {
  kError,  // rustc's, cargo's and Miri's "error: ..."
  kAsanError,
  kAsanNoReturn,
  kSigill,
  kSignal,
  kMisaligned,
  kAttempted,
  kPrecondition,
  kFailed,
  kNoSpace,
  kResolveHost,
  kDownload,
  kUnreachable,
  kRefused,
  kPanicked,
  kQueryStack,
  kRunning,
  kRunningTests,
  kDocTests,
  kMarkerCount,
};

constexpr std::array<std::string_view, kMarkerCount> kMarkers = {
    "error",
    "ERROR: AddressSanitizer: ",
    "ASan is ignoring requested __asan_handle_no_return",
    "SIGILL",
    "(signal: ",
    "misaligned pointer dereference",
    "attempted to ",
    "unsafe precondition(s) violated",
    "FAILED",
    "No space left on device",
    "Could not resolve host",
    "failed to download",
    "Network is unreachable",
    "Connection refused",
    "panicked",
    "query stack during panic",
    "Running ",
    "running ",
    "Doc-tests ",
};

constexpr uint32_t bit(Marker marker) { return 1u << marker; }

// kStart[k][c]: the markers whose byte k is c.
constexpr auto kStart = [] {
  std::array<std::array<uint32_t, 256>, 2> start{};
  for (size_t m = 0; m < kMarkers.size(); ++m) {
    for (size_t k = 0; k < 2; ++k) start[k][static_cast<uint8_t>(kMarkers[m][k])] |= 1u << m;
  }
  return start;
}();

uint32_t markers_in(std::string_view line) {
  uint32_t found = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(line.data());
  for (size_t i = 0; i + 1 < line.size(); ++i) {
    uint32_t candidates = kStart[0][s[i]] & kStart[1][s[i + 1]] & ~found;
    while (candidates != 0) {
      const uint32_t m = __builtin_ctz(candidates);
      candidates &= candidates - 1;
      if (line.compare(i, kMarkers[m].size(), kMarkers[m]) == 0) found |= 1u << m;
    }
  }
  return found;
}

constexpr std::string_view kMiriMarker = "error: Undefined Behavior: ";
constexpr std::string_view kAsanMarker = "ERROR: AddressSanitizer: ";
constexpr std::string_view kAbnormalMarker = "error: abnormal termination: ";
constexpr size_t kMaxCauses = 64;
constexpr size_t kMaxLocation = 4096;
// Lines between a check's message and its "stack backtrace:" (or Miri's
// abort report): a help paragraph, "note: run with RUST_BACKTRACE=1", "thread
// caused non-unwinding panic".
constexpr unsigned kMaxCheckWait = 8;

bool has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// cargo's "error: 2 targets failed:".
bool says_targets_failed(std::string_view line) {
  constexpr std::string_view kPrefix = "error: ";
  for (size_t at = line.find(kPrefix); at != std::string_view::npos;
       at = line.find(kPrefix, at + 1)) {
    size_t i = at + kPrefix.size();
    const size_t digits = i;
    while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
    if (i > digits && line.substr(i).starts_with(" target") && has(line.substr(i), " failed")) {
      return true;
    }
  }
  return false;
}

Outcome outcome_of(bool undefined_behavior, const Facts& facts, bool compile_error,
                   bool test_failure) {
  if (undefined_behavior) return Outcome::kUndefinedBehavior;
  if (facts.oom_killed) return Outcome::kOutOfMemory;
  if (facts.timed_out) return Outcome::kTimedOut;
  if (facts.infrastructure_error) return Outcome::kError;
  if (facts.broken) return Outcome::kBroken;
  if (facts.passed) return Outcome::kPassed;
  if (compile_error) return Outcome::kBuildFailed;
  if (test_failure) return Outcome::kTestFailed;
  // Failed without saying how: most likely a build whose output was hidden.
  return Outcome::kBuildFailed;
}

}  // namespace

void Diagnoser::feed(std::string_view raw) {
  while (const auto line = lines_.next(raw)) read_line(*line);
}

Diagnosis Diagnoser::finish(const Facts& facts) {
  if (const auto line = lines_.finish()) read_line(*line);
  if (report_) close_report();
  if (pending_check_) settle_check(std::nullopt);

  Diagnosis diagnosis;
  for (Finding& finding : findings_) {
    Cause& cause = finding.cause;
    if (finding.in_own_crate) {
      cause.source_crate = valid_utf8(facts.crate);
      cause.source_version = valid_utf8(facts.version);
    }
    cause.possible_false_positive = cause.tool == "asan" && asan_ignores_no_return_;
    const bool seen = std::any_of(diagnosis.causes.begin(), diagnosis.causes.end(), [&](auto& c) {
      return c.kind == cause.kind && c.source_crate == cause.source_crate &&
             c.source_version == cause.source_version;
    });
    if (!seen) diagnosis.causes.push_back(std::move(cause));
  }
  diagnosis.spurious = std::move(spurious_);
  diagnosis.outcome = outcome_of(!diagnosis.causes.empty(), facts, compile_error_, test_failure_);
  *this = Diagnoser();
  return diagnosis;
}

void Diagnoser::read_line(std::string_view line) {
  const uint32_t markers = markers_in(line);
  if (report_) {
    const bool next_report = (markers & bit(kAsanError)) != 0 ||
                             ((markers & bit(kError)) != 0 && has(line, kMiriMarker));
    if (next_report || !report_->read(line)) close_report();
  }
  // Before the fast path: a backtrace's lines have no markers. (Placed here,
  // not in it, this costs plain logs 6% instead of 20%: see benchmarks.md.)
  if (pending_check_ && !report_) follow_check(line);
  if (markers == 0) {
    panic_location_.clear();
    return;
  }

  if (markers & bit(kPanicked)) read_panic(line);
  if (markers & bit(kError)) read_error_line(line);
  if (markers & bit(kAsanError)) {
    const size_t at = line.find(kAsanMarker);
    report_.emplace(Report::Tool::kAsan, line.substr(at + kAsanMarker.size()), line.substr(at));
  }
  if (markers & bit(kAsanNoReturn)) asan_ignores_no_return_ = true;
  read_rust_check(markers, line);

  if ((markers & bit(kSignal)) && has(line, "process didn't exit successfully")) {
    test_failure_ = true;  // a test binary killed by a signal
  }
  if ((markers & bit(kFailed)) && has(line, "test result: FAILED")) test_failure_ = true;
  if (markers & bit(kNoSpace)) add_spurious("no space left on device");
  if (markers & (bit(kResolveHost) | bit(kDownload) | bit(kUnreachable) | bit(kRefused))) {
    add_spurious("network access");
  }
  if (markers & bit(kQueryStack)) add_spurious("compiler ICE");
  // cargo's "     Running unittests src/lib.rs (...)", libtest's "running 3
  // tests", "   Doc-tests foo": from here on, compiler errors are the tests'
  // (doctests, UI tests), not the build's.
  const std::string_view text = trim(line);
  if (text.starts_with("Running ") || text.starts_with("Doc-tests ") ||
      (text.starts_with("running ") && text.size() > 8 && text[8] >= '0' && text[8] <= '9')) {
    tests_started_ = true;
  }

  panic_location_ = std::move(line_panic_location_);
  line_panic_location_.clear();
}

void Diagnoser::read_error_line(std::string_view line) {
  if (const size_t at = line.find(kMiriMarker); at != std::string_view::npos) {
    report_.emplace(Report::Tool::kMiri, line.substr(at + kMiriMarker.size()), line.substr(at));
    return;
  }
  // Miri aborting after a failed check: its backtrace tells where the check was.
  if (const size_t at = line.find(kAbnormalMarker);
      at != std::string_view::npos && pending_check_) {
    report_.emplace(Report::Tool::kMiriTrace, line.substr(at + kAbnormalMarker.size()),
                    line.substr(at));
    return;
  }
  if (has(line, "error[E") && !tests_started_) compile_error_ = true;
  if (has(line, "error: could not compile") ||
      has(line, "error: failed to run custom build command") ||
      has(line, "error: no matching package") || has(line, "error: failed to select a version")) {
    compile_error_ = true;
  }
  if (has(line, "error: test failed") || has(line, "error: doctest failed") ||
      says_targets_failed(line)) {
    test_failure_ = true;
  }
  if (has(line, "error: internal compiler error")) add_spurious("compiler ICE");
  // Miri cannot run it (a foreign function, an unsupported syscall): not UB.
  if (has(line, "error: unsupported operation:")) add_spurious("miri unsupported operation");
}

void Diagnoser::read_panic(std::string_view line) {
  if (has(line, "thread 'rustc' panicked")) add_spurious("compiler ICE");
  constexpr std::string_view kAt = "panicked at ";
  const size_t at = line.find(kAt);
  if (at == std::string_view::npos) return;
  // Another panic: a backtrace from here on is not the waiting check's.
  if (pending_check_) settle_check(std::nullopt);
  std::string_view location = line.substr(at + kAt.size());
  // Before Rust 1.73: "panicked at 'MESSAGE', src/lib.rs:4:14".
  if (location.starts_with('\'')) {
    const size_t comma = location.rfind("', ");
    location = comma == std::string_view::npos ? "" : location.substr(comma + 3);
  }
  line_panic_location_ = path_of_location(trim(location)).substr(0, kMaxLocation);
}

void Diagnoser::read_rust_check(uint32_t markers, std::string_view line) {
  const auto add = [&](std::string kind) {
    Finding finding{
        .cause = {.kind = std::move(kind), .tool = "rust", .excerpt = excerpt_of(line)}};
    // The check's message follows "panicked at PATH:LINE:COL:" on the same
    // line (before Rust 1.73) or the one before.
    const std::string& location =
        line_panic_location_.empty() ? panic_location_ : line_panic_location_;
    const SourceOrigin origin = source_origin(location, true);
    if (!location.empty() && origin.kind != SourceOrigin::Kind::kSystem) {
      set_source(finding, origin);
      add_cause(std::move(finding));
      return;
    }
    // In the standard library (or not told): the backtrace may follow.
    if (pending_check_) settle_check(std::nullopt);
    pending_check_ = std::move(finding);
    check_backtrace_ = StdBacktrace();
    check_backtrace_started_ = false;
    check_wait_ = 0;
  };
  // cargo: "(signal: 4, SIGILL: illegal instruction)"
  if ((markers & bit(kSigill)) &&
      (has(line, "SIGILL: illegal instruction") || has(line, "signal: 4, SIGILL"))) {
    add("SIGILL");
  }
  if (markers & bit(kMisaligned)) add("misaligned pointer dereference");
  // mem::uninitialized and mem::zeroed of a type that does not allow it.
  if (markers & bit(kAttempted)) {
    if (has(line, "attempted to leave type")) add("invalid mem::uninitialized");
    if (has(line, "attempted to zero-initialize type")) add("invalid mem::zeroed");
  }
  if (markers & bit(kPrecondition)) {
    constexpr std::string_view kViolated = "unsafe precondition(s) violated: ";
    const size_t at = line.find(kViolated);
    add(precondition_kind(at == std::string_view::npos ? "" : line.substr(at + kViolated.size())));
  }
}

void Diagnoser::follow_check(std::string_view line) {
  const std::string_view text = trim(line);
  if (check_backtrace_started_) {
    if (check_backtrace_.read(text)) {
      if (check_backtrace_.origin()) settle_check(check_backtrace_.origin());
    } else {
      settle_check(std::nullopt);  // the backtrace ended in the standard library
    }
  } else if (text == "stack backtrace:") {
    check_backtrace_started_ = true;
  } else if (++check_wait_ > kMaxCheckWait) {
    settle_check(std::nullopt);
  }
}

void Diagnoser::settle_check(const std::optional<SourceOrigin>& origin) {
  Finding finding = std::move(*pending_check_);
  pending_check_.reset();
  if (origin) set_source(finding, *origin);
  add_cause(std::move(finding));
}

void Diagnoser::close_report() {
  if (report_->tool() == Report::Tool::kMiriTrace) {
    if (pending_check_) settle_check(report_->origin());
  } else if (auto finding = report_->finding()) {
    add_cause(std::move(*finding));
  }
  report_.reset();
}

void Diagnoser::add_cause(Finding finding) {
  // Causes keep the order they appeared in.
  if (pending_check_) settle_check(std::nullopt);
  const Cause& cause = finding.cause;
  for (const Finding& seen : findings_) {
    if (seen.cause.kind == cause.kind && seen.cause.source_crate == cause.source_crate &&
        seen.cause.source_version == cause.source_version &&
        seen.in_own_crate == finding.in_own_crate) {
      return;
    }
  }
  if (findings_.size() < kMaxCauses) findings_.push_back(std::move(finding));
}

void Diagnoser::add_spurious(std::string_view what) {
  if (std::find(spurious_.begin(), spurious_.end(), what) == spurious_.end()) {
    spurious_.emplace_back(what);
  }
}

Diagnosis diagnose(std::string_view raw, const Facts& facts) {
  Diagnoser diagnoser;
  diagnoser.feed(raw);
  return diagnoser.finish(facts);
}

}  // namespace diagnosis
