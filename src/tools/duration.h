#pragma once
// Human durations for tools.toml and for --timeout flags: "90s", "15m",
// "1h30m", "2d", or plain seconds "120".

#include <chrono>
#include <string>
#include <string_view>

namespace tools {

/// Whole numbers with units d, h, m, s, largest first and each at most once,
/// or a bare number of seconds. Throws std::invalid_argument saying what is
/// wrong with `text` ("", "abc", "-5m", "1h30", "30m1h" are all errors).
std::chrono::seconds parse_duration(std::string_view text);

/// The shortest form parse_duration reads back: 5400s -> "1h30m", 0s -> "0s".
std::string format_duration(std::chrono::seconds duration);

}  // namespace tools
