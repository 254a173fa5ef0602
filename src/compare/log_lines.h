#pragma once
// The lines a person saw in a crate's raw log (diagnosis::TerminalLines),
// and where two logs of the same crate first part ways. Times, addresses
// and other numbers that differ on every run are not a difference.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace compare {

struct LogLines {
  std::vector<std::string> lines;
  /// More lines than were kept.
  bool truncated = false;
};

/// The lines of `raw` (pty bytes), at most `max_lines`.
LogLines log_lines(std::string_view raw, size_t max_lines);
/// The same, streamed from the store; empty if the object is missing.
LogLines read_log_lines(store::Store& store, std::string_view key, size_t max_lines);

/// The line with run-to-run noise replaced: durations ("0.52s", "3ms") and
/// hexadecimal addresses.
std::string normalized(std::string_view line);

/// The index of the first line that differs once normalized (a line that
/// only one log has counts); nullopt when the logs are the same.
std::optional<size_t> first_difference(const std::vector<std::string>& a,
                                       const std::vector<std::string>& b);

}  // namespace compare
