#pragma once
// SHA-256 digests as crates.io and cargo's indexes write them: lowercase hex.

#include <filesystem>
#include <string>
#include <string_view>

namespace registry {

std::string sha256(std::string_view bytes);

/// Reads the whole file. Throws std::system_error naming the file.
std::string sha256_file(const std::filesystem::path& file);

}  // namespace registry
