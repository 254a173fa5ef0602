#include "catalogue/local_registry.h"

#include <toml++/toml.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "catalogue/semver.h"

namespace catalogue {

namespace fs = std::filesystem;

namespace {

using Pinned = std::set<std::pair<std::string, std::string>>;

// Versions of each crate, gathered in any order, then the version to test.
class Gatherer {
 public:
  explicit Gatherer(const Pinned& pinned) : pinned_(pinned) {}

  void add(const std::string& name, const std::string& version, bool yanked,
           const std::string& checksum) {
    Entry& entry = crates_[name];
    if (entry.best.offer(version, yanked)) entry.checksum = checksum;
    if (pinned_.contains({name, version}))
      pinned_found_.push_back(Crate{name, version, 0, checksum});
  }

  Catalogue finish() && {
    std::vector<Crate> crates;
    for (auto& [name, entry] : crates_) {
      if (entry.best.has_value())
        crates.push_back(Crate{name, entry.best.version(), 0, entry.checksum});
    }
    return Catalogue(std::move(crates), std::move(pinned_found_));
  }

 private:
  struct Entry {
    BestVersion best;
    std::string checksum;
  };
  const Pinned& pinned_;
  std::map<std::string, Entry> crates_;
  std::vector<Crate> pinned_found_;
};

void read_directory_registry(const fs::path& root, Gatherer& gatherer,
                             std::vector<std::string>& skipped) {
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    const fs::path manifest = entry.path() / "Cargo.toml";
    try {
      const toml::table table = toml::parse_file(manifest.string());
      const auto name = table["package"]["name"].value<std::string>();
      const auto version = table["package"]["version"].value<std::string>();
      if (!name || !version) {
        skipped.push_back(manifest.string() + ": no [package] name and version");
        continue;
      }
      gatherer.add(*name, *version, false, "");
    } catch (const toml::parse_error& e) {
      skipped.push_back(manifest.string() + ": " + std::string(e.description()));
    }
  }
}

void read_index_file(const fs::path& file, Gatherer& gatherer, std::vector<std::string>& skipped) {
  std::ifstream in(file);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    try {
      const auto json = nlohmann::json::parse(line);
      gatherer.add(json.at("name").get<std::string>(), json.at("vers").get<std::string>(),
                   json.value("yanked", false), json.value("cksum", std::string()));
    } catch (const nlohmann::json::exception& e) {
      skipped.push_back(file.string() + ":" + std::to_string(number) + ": " + e.what());
    }
  }
}

void read_cargo_local_registry(const fs::path& root, Gatherer& gatherer,
                               std::vector<std::string>& skipped) {
  for (const auto& entry : fs::recursive_directory_iterator(root / "index")) {
    // config.json and dot files configure the index; they are not crates.
    const std::string file = entry.path().filename().string();
    if (!entry.is_regular_file() || file == "config.json" || file.starts_with(".")) continue;
    read_index_file(entry.path(), gatherer, skipped);
  }
}

}  // namespace

bool is_cargo_local_registry(const fs::path& root) { return fs::is_directory(root / "index"); }

LocalRegistryListing read_local_registry(const fs::path& root, const Pinned& pinned) {
  if (!fs::is_directory(root)) {
    throw std::runtime_error("no local registry at " + root.string() + ": not a directory");
  }
  Gatherer gatherer(pinned);
  LocalRegistryListing listing;
  if (is_cargo_local_registry(root)) {
    read_cargo_local_registry(root, gatherer, listing.skipped);
  } else {
    read_directory_registry(root, gatherer, listing.skipped);
  }
  listing.catalogue = std::move(gatherer).finish();
  return listing;
}

}  // namespace catalogue
