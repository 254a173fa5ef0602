#pragma once
// Reads a crate's raw terminal log (the bytes its pty showed) together with
// what its result record says, and tells what happened and why: undefined
// behaviour found by Miri, AddressSanitizer or Rust's own checks, a build or
// test failure, and spurious causes that are the environment's fault.
//
// The log is streamed: memory holds one line (at most 64 KiB) and the report
// being read, however big the log.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diagnosis/backtrace.h"
#include "diagnosis/cause.h"
#include "diagnosis/report.h"
#include "diagnosis/terminal_lines.h"
#include "result/outcome.h"

namespace diagnosis {

/// Bump when the rules change, so that sync diagnoses stored logs again.
inline constexpr int kDiagnosisVersion = 2;

/// The one outcome vocabulary (result/outcome.h); the diagnosis is what
/// decides it.
using result::Outcome;
using result::outcome_from_name;
using result::outcome_name;

/// What the result record knows beside the log.
struct Facts {
  std::string crate;
  std::string version;
  bool timed_out = false;
  bool oom_killed = false;
  bool infrastructure_error = false;
  bool passed = false;  // every command exited 0
  /// Preparation found the crate cannot be tried; the log is the resolver's.
  bool broken = false;
};

struct Diagnosis {
  Outcome outcome = Outcome::kError;
  /// In order of appearance, one per kind and source crate.
  std::vector<Cause> causes;
  /// Failures that are the environment's, not the crate's: "no space left on
  /// device", "network access", "compiler ICE", "miri unsupported operation".
  std::vector<std::string> spurious;

  friend bool operator==(const Diagnosis&, const Diagnosis&) = default;
};

/// Feed it the raw log in chunks split anywhere, then call finish(), which
/// also leaves it ready for another log.
class Diagnoser {
 public:
  void feed(std::string_view raw);
  Diagnosis finish(const Facts& facts);

 private:
  void read_line(std::string_view line);
  void read_error_line(std::string_view line);
  void read_panic(std::string_view line);
  void read_rust_check(uint32_t markers, std::string_view line);
  void follow_check(std::string_view line);
  void settle_check(const std::optional<SourceOrigin>& origin);
  void close_report();
  void add_cause(Finding finding);
  void add_spurious(std::string_view what);

  TerminalLines lines_;
  std::optional<Report> report_;
  std::vector<Finding> findings_;
  std::vector<std::string> spurious_;
  /// Where the panics of the previous line and of this one happened: Rust
  /// prints the message of a failed check on the line after "panicked at
  /// PATH:LINE:COL:" (on the same line before Rust 1.73).
  std::string panic_location_;
  std::string line_panic_location_;
  /// A failed check whose panic location is in the standard library, waiting
  /// for the backtrace that tells whose call it was: the panic's "stack
  /// backtrace:" or, under Miri, the report of the abort that follows.
  std::optional<Finding> pending_check_;
  StdBacktrace check_backtrace_;
  bool check_backtrace_started_ = false;
  unsigned check_wait_ = 0;  // lines read while waiting for a backtrace
  bool tests_started_ = false;
  bool compile_error_ = false;
  bool test_failure_ = false;
  bool asan_ignores_no_return_ = false;
};

Diagnosis diagnose(std::string_view raw, const Facts& facts);

/// The diagnosis as stored in the result record, and back. diagnosis_from_json
/// throws std::runtime_error for JSON that is not a diagnosis.
nlohmann::json to_json(const Diagnosis& diagnosis);
Diagnosis diagnosis_from_json(const nlohmann::json& in);

}  // namespace diagnosis
