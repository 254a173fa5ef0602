#pragma once
// The page's CSS: the dark theme and one class per palette colour and
// attribute, so a span names its style instead of spelling it out.

#include <cstdint>
#include <string_view>

namespace render {

/// The 256-colour xterm palette as 0xRRGGBB (0-15 tuned for a dark page).
uint32_t palette_rgb(unsigned index);

/// Every static rule: page, attributes, palette foregrounds and backgrounds.
std::string_view stylesheet();

}  // namespace render
