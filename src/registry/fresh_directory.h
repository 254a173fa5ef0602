#pragma once
// The folder a crate's source goes into. If anything fails half-way, the
// caller's target is left as it was: removed again if we made it, emptied
// if it was an empty folder already.

#include <filesystem>

namespace registry {

class FreshDirectory {
 public:
  /// Makes `path` (and missing parents) unless it is an empty folder.
  /// Throws std::runtime_error if it is anything else.
  explicit FreshDirectory(std::filesystem::path path);
  /// Undoes everything unless keep() was called.
  ~FreshDirectory();
  FreshDirectory(const FreshDirectory&) = delete;
  FreshDirectory& operator=(const FreshDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  void keep() { kept_ = true; }

 private:
  std::filesystem::path path_;
  bool existed_ = false;
  bool kept_ = false;
};

}  // namespace registry
