#include "render/ub_marker.h"

#include <algorithm>
#include <array>

namespace render {

namespace {

constexpr size_t longest_marker() {
  size_t n = 0;
  for (auto m : UbMarker::kMarkers) n = std::max(n, m.size());
  return n;
}

// Whether one of the markers in `candidates` starts at i.
template <typename CharAt>
bool match_at(unsigned candidates, size_t i, size_t n, CharAt at) {
  while (candidates != 0) {
    const auto marker = UbMarker::kMarkers[__builtin_ctz(candidates)];
    candidates &= candidates - 1;
    if (n - i < marker.size()) continue;
    size_t k = 1;
    while (k < marker.size() && at(i + k) == static_cast<unsigned char>(marker[k])) ++k;
    if (k == marker.size()) return true;
  }
  return false;
}

// Calls at(i) for the character at i of a text of n characters.
template <typename CharAt>
bool find_marker(size_t n, CharAt at) {
  for (size_t i = 0; i < n; ++i) {
    const unsigned candidates = i + 1 < n ? UbMarker::candidates(at(i), at(i + 1)) : 0;
    if (candidates != 0 && match_at(candidates, i, n, at)) return true;
  }
  return false;
}

}  // namespace

bool contains_ub_marker(std::string_view text) {
  return find_marker(text.size(), [&](size_t i) {
    return static_cast<char32_t>(static_cast<unsigned char>(text[i]));
  });
}

bool UbMarker::match_cells(const Cell* cells, int i, int n) {
  if (found_) return false;
  if (i + 1 >= n) return false;
  found_ = match_at(candidates(cells[i].cp, cells[i + 1].cp), static_cast<size_t>(i),
                    static_cast<size_t>(n), [&](size_t k) {
                      const char32_t cp = cells[k].cp;
                      return cp == kBlank ? U' ' : cp;
                    });
  return found_;
}

namespace {

// The markers are ASCII; any other character only has to break a match.
char ascii_of(char32_t cp) {
  if (cp == kBlank) return ' ';
  return cp < 0x80 ? static_cast<char>(cp) : '\x80';
}

}  // namespace

bool UbMarker::match_across(const Cell* cells, int n) {
  if (found_ || carry_.empty()) return false;
  const size_t keep = longest_marker() - 1;
  for (int c = 0; c < n && carry_.size() < 2 * keep; ++c) {
    if (cells[c].cp != kWideTail) carry_.push_back(ascii_of(cells[c].cp));
  }
  found_ = contains_ub_marker(carry_);
  carry_.clear();
  return found_;
}

void UbMarker::carry_tail(const Cell* cells, int n) {
  carry_.clear();
  if (found_) return;
  const int keep = static_cast<int>(longest_marker()) - 1;
  for (int c = std::max(0, n - keep); c < n; ++c) {
    if (cells[c].cp != kWideTail) carry_.push_back(ascii_of(cells[c].cp));
  }
}

}  // namespace render
