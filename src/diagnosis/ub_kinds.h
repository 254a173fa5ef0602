#pragma once
// The kinds of undefined behaviour, named from the tools' own words: Miri's
// "Undefined Behavior: MESSAGE", ASan's "AddressSanitizer: MESSAGE" and the
// standard library's checks. A kind is stable across crates and runs (no
// addresses, tags or sizes), so that causes can be counted.

#include <cstdint>
#include <string>
#include <string_view>

namespace diagnosis {

/// The aliasing model whose rules a Miri report says were broken; Miri names
/// it in a help line below the message.
enum class Aliasing : uint8_t { kNone, kStackedBorrows, kTreeBorrows };

std::string miri_kind(std::string_view message, Aliasing aliasing);
/// "" for reports that are not memory errors (the allocator out of memory).
std::string asan_kind(std::string_view message);
/// From the text after "unsafe precondition(s) violated: ".
std::string precondition_kind(std::string_view message);

}  // namespace diagnosis
