#include "render/stylesheet.h"

#include <array>
#include <cstdio>
#include <string>

namespace render {

namespace {

// The 16 named colours of a dark theme (VS Code's terminal palette): bright
// enough on the page's background, and distinct from one another.
constexpr std::array<uint32_t, 16> kNamed = {
    0x000000, 0xcd3131, 0x0dbc79, 0xe5e510, 0x2472c8, 0xbc3fbc, 0x11a8cd, 0xe5e5e5,
    0x666666, 0xf14c4c, 0x23d18b, 0xf5f543, 0x3b8eea, 0xd670d6, 0x29b8db, 0xffffff,
};

constexpr uint32_t kPageForeground = 0xd4d4d4;
constexpr uint32_t kPageBackground = 0x1e1e1e;

std::string build_stylesheet() {
  std::string css;
  char rule[96];
  std::snprintf(rule, sizeof rule, "body{margin:0;background:#%06x;color:#%06x}", kPageBackground,
                kPageForeground);
  css += rule;
  css +=
      "pre{margin:0;padding:8px;font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,"
      "monospace;font-size:13px;line-height:1.25;white-space:pre-wrap;overflow-wrap:anywhere}"
      ".b{font-weight:bold}.d{opacity:.6}.i{font-style:italic}"
      ".u{text-decoration:underline}.s{text-decoration:line-through}"
      ".u.s{text-decoration:underline line-through}.h{visibility:hidden}";
  std::snprintf(rule, sizeof rule, ".fbg{color:#%06x}.gfg{background:#%06x}", kPageBackground,
                kPageForeground);
  css += rule;
  for (unsigned i = 0; i < 256; ++i) {
    std::snprintf(rule, sizeof rule, ".f%u{color:#%06x}", i, palette_rgb(i));
    css += rule;
  }
  for (unsigned i = 0; i < 256; ++i) {
    std::snprintf(rule, sizeof rule, ".g%u{background:#%06x}", i, palette_rgb(i));
    css += rule;
  }
  return css;
}

}  // namespace

uint32_t palette_rgb(unsigned index) {
  index &= 0xff;
  if (index < 16) return kNamed[index];
  if (index < 232) {
    // The 6x6x6 cube, with xterm's levels.
    static constexpr std::array<uint32_t, 6> kLevel = {0, 95, 135, 175, 215, 255};
    const unsigned i = index - 16;
    return kLevel[i / 36] << 16 | kLevel[i / 6 % 6] << 8 | kLevel[i % 6];
  }
  const uint32_t gray = 8 + 10 * (index - 232);
  return gray << 16 | gray << 8 | gray;
}

std::string_view stylesheet() {
  static const std::string css = build_stylesheet();
  return css;
}

}  // namespace render
