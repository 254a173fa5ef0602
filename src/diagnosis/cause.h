#pragma once
// A cause of a crate's failure: one kind of undefined behaviour that a tool
// reported, and where.

#include <string>
#include <string_view>

namespace diagnosis {

struct Cause {
  /// "data race", "Stacked Borrows: retag", "heap-buffer-overflow", "SIGILL", ...
  std::string kind;
  /// Who reported it: "miri", "asan" or "rust" (the standard library's checks).
  std::string tool;
  /// The crate whose code the report points into: the crate itself or one of
  /// its dependencies; "" when the report does not tell.
  std::string source_crate;
  /// The version of source_crate: the crate's own for the crate under test,
  /// the registry folder's NAME-VERSION for a dependency; "" when not known
  /// (a git checkout, a report that does not tell).
  std::string source_version;
  /// An ASan report in a log where ASan said it was ignoring
  /// __asan_handle_no_return, after which it reports stack errors wrongly.
  bool possible_false_positive = false;
  /// The reporting line, colours removed, at most ~200 bytes.
  std::string excerpt;

  friend bool operator==(const Cause&, const Cause&) = default;
};

/// `line` made fit for Cause::excerpt: trimmed, cut to ~200 bytes, valid UTF-8.
std::string excerpt_of(std::string_view line);
/// `text` with each byte that is not part of valid UTF-8 replaced by U+FFFD:
/// logs are bytes, and the JSON of a result record must be UTF-8.
std::string valid_utf8(std::string_view text);
/// `text` without the whitespace around it.
std::string_view trim(std::string_view text);

}  // namespace diagnosis
