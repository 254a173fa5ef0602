#include "catalogue/snapshot.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace catalogue {

void write_snapshot(store::Store& store, const Catalogue& catalogue) {
  nlohmann::json crates = nlohmann::json::array();
  nlohmann::json downloads = nlohmann::json::object();
  for (const Crate& crate : catalogue.crates()) {
    crates.push_back({crate.name, crate.version});
    downloads[crate.name] = crate.downloads;
  }
  // downloads.json first: crates.json's age is the snapshot's age, so it
  // is written last and a half-made snapshot is never taken as fresh.
  store.put(kDownloadsKey, downloads.dump(), store::kJsonType);
  store.put(kCratesKey, crates.dump(), store::kJsonType);
}

std::optional<Catalogue> read_snapshot(store::Store& store) {
  const auto crates_text = store.get(kCratesKey);
  if (!crates_text) return std::nullopt;
  const auto downloads_text = store.get(kDownloadsKey);
  try {
    const auto crates = nlohmann::json::parse(*crates_text);
    const auto downloads =
        downloads_text ? nlohmann::json::parse(*downloads_text) : nlohmann::json::object();
    std::vector<Crate> list;
    list.reserve(crates.size());
    for (const auto& entry : crates) {
      Crate crate{entry.at(0).get<std::string>(), entry.at(1).get<std::string>(), 0, ""};
      if (const auto it = downloads.find(crate.name); it != downloads.end()) {
        crate.downloads = it->get<uint64_t>();
      }
      list.push_back(std::move(crate));
    }
    return Catalogue(std::move(list));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("malformed catalogue snapshot in " + store.url() + ": " + e.what());
  }
}

std::optional<std::chrono::system_clock::duration> snapshot_age(store::Store& store) {
  const auto info = store.head(kCratesKey);
  if (!info) return std::nullopt;
  return std::chrono::system_clock::now() - info->last_modified;
}

}  // namespace catalogue
