#pragma once
// Numbers as the pages show them: times, memory, downloads.

#include <cstdint>
#include <string>

namespace report {

std::string duration_text(double seconds);       // "4.2 s", "3 min 05 s", "1 h 02 min"
std::string memory_text(uint64_t bytes);         // "512.0 MiB"
std::string downloads_text(uint64_t downloads);  // "1.2M", "3.4k", "56"
/// "1,234,567": counts on the landing page.
std::string count_text(uint64_t count);
/// "1 crate", "2,000 crates".
std::string crates_text(uint64_t count);

}  // namespace report
