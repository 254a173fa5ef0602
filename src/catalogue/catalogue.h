#pragma once
// Catalogue is every crate a sweep could test, each at the version to test,
// most downloaded first; plus the other versions a crate list pinned.

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "catalogue/crate.h"

namespace catalogue {

class Catalogue {
 public:
  Catalogue() = default;
  /// `crates`: one entry per crate. `pinned`: versions other than those
  /// that a crate list asked for and the source had.
  explicit Catalogue(std::vector<Crate> crates, std::vector<Crate> pinned = {});

  /// Most downloaded first; equal downloads by name.
  const std::vector<Crate>& crates() const { return crates_; }
  size_t size() const { return crates_.size(); }

  /// The crate at the version to test, or null.
  const Crate* find(std::string_view name) const;
  /// The crate at exactly `version` (the version to test or a pinned one).
  const Crate* find(std::string_view name, std::string_view version) const;

 private:
  std::vector<Crate> crates_;
  std::unordered_map<std::string, size_t> index_;  // name -> position in crates_
  std::map<std::pair<std::string, std::string>, Crate, std::less<>> pinned_;
};

/// The order a sweep goes in: most recent downloads first, then by name.
bool more_popular(const Crate& a, const Crate& b);

}  // namespace catalogue
