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

namespace {

std::optional<nlohmann::json> read_json(store::Store& store, std::string_view key) {
  std::optional<std::string> text;
  try {
    text = store.get(key);
  } catch (const store::StoreError& e) {
    throw SnapshotError(std::string(key), e.what());
  }
  if (!text) return std::nullopt;
  try {
    return nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    throw SnapshotError(std::string(key), "malformed catalogue snapshot " + std::string(key) +
                                              " in " + store.url() + ": " + e.what());
  }
}

}  // namespace

std::optional<Catalogue> read_snapshot(store::Store& store) {
  const auto crates = read_json(store, kCratesKey);
  if (!crates) return std::nullopt;
  const auto downloads = read_json(store, kDownloadsKey).value_or(nlohmann::json::object());
  const auto malformed = [&](std::string_view key, const std::exception& e) {
    return SnapshotError(std::string(key), "malformed catalogue snapshot " + std::string(key) +
                                               " in " + store.url() + ": " + e.what());
  };
  std::vector<Crate> list;
  try {
    list.reserve(crates->size());
    for (const auto& entry : *crates) {
      list.push_back(Crate{entry.at(0).get<std::string>(), entry.at(1).get<std::string>(), 0, ""});
    }
  } catch (const nlohmann::json::exception& e) {
    throw malformed(kCratesKey, e);
  }
  try {
    for (Crate& crate : list) {
      if (const auto it = downloads.find(crate.name); it != downloads.end()) {
        crate.downloads = it->get<uint64_t>();
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw malformed(kDownloadsKey, e);
  }
  return Catalogue(std::move(list));
}

std::optional<std::chrono::system_clock::duration> snapshot_age(store::Store& store) {
  const auto info = store.head(kCratesKey);
  if (!info) return std::nullopt;
  return std::chrono::system_clock::now() - info->last_modified;
}

}  // namespace catalogue
