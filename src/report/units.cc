#include "report/units.h"

#include <cstdio>

namespace report {

std::string duration_text(double seconds) {
  char text[48];
  if (seconds < 60) {
    std::snprintf(text, sizeof text, "%.1f s", seconds);
  } else if (seconds < 3600) {
    const auto s = static_cast<long long>(seconds);
    std::snprintf(text, sizeof text, "%lld min %02lld s", s / 60, s % 60);
  } else {
    const auto m = static_cast<long long>(seconds / 60);
    std::snprintf(text, sizeof text, "%lld h %02lld min", m / 60, m % 60);
  }
  return text;
}

std::string memory_text(uint64_t bytes) {
  char text[48];
  const auto b = static_cast<double>(bytes);
  if (bytes >= (uint64_t{1} << 30)) {
    std::snprintf(text, sizeof text, "%.1f GiB", b / (1u << 30));
  } else if (bytes >= (uint64_t{1} << 20)) {
    std::snprintf(text, sizeof text, "%.1f MiB", b / (1u << 20));
  } else {
    std::snprintf(text, sizeof text, "%.1f KiB", b / (1u << 10));
  }
  return text;
}

std::string downloads_text(uint64_t downloads) {
  char text[32];
  if (downloads >= 1'000'000) {
    std::snprintf(text, sizeof text, "%.1fM", static_cast<double>(downloads) / 1e6);
  } else if (downloads >= 1'000) {
    std::snprintf(text, sizeof text, "%.1fk", static_cast<double>(downloads) / 1e3);
  } else {
    std::snprintf(text, sizeof text, "%llu", static_cast<unsigned long long>(downloads));
  }
  return text;
}

std::string count_text(uint64_t count) {
  std::string digits = std::to_string(count);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) {
    digits.insert(static_cast<size_t>(at), ",");
  }
  return digits;
}

std::string crates_text(uint64_t count) {
  return count_text(count) + (count == 1 ? " crate" : " crates");
}

}  // namespace report
