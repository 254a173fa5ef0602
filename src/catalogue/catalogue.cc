#include "catalogue/catalogue.h"

#include <algorithm>

namespace catalogue {

bool more_popular(const Crate& a, const Crate& b) {
  if (a.downloads != b.downloads) return a.downloads > b.downloads;
  return a.name < b.name;
}

Catalogue::Catalogue(std::vector<Crate> crates, std::vector<Crate> pinned)
    : crates_(std::move(crates)) {
  std::stable_sort(crates_.begin(), crates_.end(), more_popular);
  index_.reserve(crates_.size());
  for (size_t i = 0; i < crates_.size(); ++i) index_.emplace(crates_[i].name, i);
  for (Crate& crate : pinned) {
    auto key = std::make_pair(crate.name, crate.version);
    pinned_.emplace(std::move(key), std::move(crate));
  }
}

const Crate* Catalogue::find(std::string_view name) const {
  const auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : &crates_[it->second];
}

const Crate* Catalogue::find(std::string_view name, std::string_view version) const {
  if (const Crate* newest = find(name); newest != nullptr && newest->version == version) {
    return newest;
  }
  const auto it = pinned_.find(std::make_pair(std::string(name), std::string(version)));
  return it == pinned_.end() ? nullptr : &it->second;
}

}  // namespace catalogue
