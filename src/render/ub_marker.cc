#include "render/ub_marker.h"

#include <algorithm>
#include <array>

namespace render {

namespace {

constexpr size_t kMarkerCount = UbMarker::kMarkers.size();

constexpr size_t longest_marker() {
  size_t n = 0;
  for (auto m : UbMarker::kMarkers) n = std::max(n, m.size());
  return n;
}

// For each byte, the markers that start with it: one table look-up per byte
// of text instead of one substring search per marker.
struct FirstByteTable {
  std::array<uint8_t, 256> markers{};
  FirstByteTable() {
    for (size_t i = 0; i < kMarkerCount; ++i) {
      markers[static_cast<unsigned char>(UbMarker::kMarkers[i][0])] |= 1u << i;
    }
  }
};
const FirstByteTable kFirstByte;

// Calls at(i) for the character at i of a text of n characters.
template <typename CharAt>
bool find_marker(size_t n, CharAt at) {
  for (size_t i = 0; i < n; ++i) {
    const char32_t first = at(i);
    if (first >= 0x80) continue;
    unsigned candidates = kFirstByte.markers[first];
    while (candidates != 0) {
      const auto marker = UbMarker::kMarkers[__builtin_ctz(candidates)];
      candidates &= candidates - 1;
      if (n - i < marker.size()) continue;
      size_t k = 1;
      while (k < marker.size() && at(i + k) == static_cast<unsigned char>(marker[k])) ++k;
      if (k == marker.size()) return true;
    }
  }
  return false;
}

}  // namespace

bool contains_ub_marker(std::string_view text) {
  return find_marker(text.size(), [&](size_t i) {
    return static_cast<char32_t>(static_cast<unsigned char>(text[i]));
  });
}

bool UbMarker::scan_cells(const Cell* cells, int n) {
  if (found_) return false;
  carry_.clear();
  found_ = find_marker(static_cast<size_t>(n), [&](size_t i) {
    const char32_t cp = cells[i].cp;
    return cp == kBlank ? U' ' : cp;
  });
  return found_;
}

bool UbMarker::scan(std::string_view row_text, bool continues) {
  if (found_) return false;
  if (!continues) carry_.clear();
  bool hit;
  if (carry_.empty()) {
    hit = contains_ub_marker(row_text);
  } else {
    carry_.append(row_text);
    hit = contains_ub_marker(carry_);
  }
  if (hit) {
    found_ = true;
    return true;
  }
  // The carried tail was already searched; only a marker that ends in the
  // next row can still start inside it.
  const size_t keep = longest_marker() - 1;
  if (carry_.empty()) {
    carry_.assign(row_text.substr(row_text.size() > keep ? row_text.size() - keep : 0));
  } else if (carry_.size() > keep) {
    carry_.erase(0, carry_.size() - keep);
  }
  return false;
}

}  // namespace render
